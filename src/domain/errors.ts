// The one catalogue of errors a client can see: each kind knows its HTTP status and SMTP2GO error_code
// (and, for errors raised during an SMTP session, the SMTP reply). Throw these; never a bare string.

export type ApiErrorCode =
  | 'API_KEY_INVALID'
  | 'ENDPOINT_PERMISSION_DENIED'
  | 'NON_VALIDATING_IN_PAYLOAD'
  | 'API_EXCEPTION'
  | 'REQ_LIMIT_EXCEEDED'
  | 'PAYLOAD_TOO_LARGE'
  | 'ENDPOINT_NOT_FOUND'
  | 'INTERNAL_ERROR';

interface ErrorKind {
  readonly httpStatus: number;
  readonly code: ApiErrorCode;
}

export const ERROR_KINDS = {
  apiKeyInvalid: { httpStatus: 401, code: 'API_KEY_INVALID' },
  permissionDenied: { httpStatus: 403, code: 'ENDPOINT_PERMISSION_DENIED' },
  validation: { httpStatus: 400, code: 'NON_VALIDATING_IN_PAYLOAD' },
  apiException: { httpStatus: 400, code: 'API_EXCEPTION' },
  rateLimited: { httpStatus: 429, code: 'REQ_LIMIT_EXCEEDED' },
  payloadTooLarge: { httpStatus: 413, code: 'PAYLOAD_TOO_LARGE' },
  endpointNotFound: { httpStatus: 404, code: 'ENDPOINT_NOT_FOUND' },
  internal: { httpStatus: 500, code: 'INTERNAL_ERROR' },
} as const satisfies Record<string, ErrorKind>;

export type ErrorKindName = keyof typeof ERROR_KINDS;

/** Prefix SMTP2GO puts in front of every error code on the wire. */
export const ERROR_CODE_PREFIX = 'E_ApiResponseCodes.';

export class PetrelError extends Error {
  readonly kind: ErrorKindName;
  constructor(kind: ErrorKindName, message: string) {
    super(message);
    this.name = 'PetrelError';
    this.kind = kind;
  }
  get httpStatus(): number {
    return ERROR_KINDS[this.kind].httpStatus;
  }
  get errorCode(): string {
    return ERROR_CODE_PREFIX + ERROR_KINDS[this.kind].code;
  }
}

/** A request field failed validation; `field` is reported as `field_validation_errors.fieldname`. */
export class ValidationError extends PetrelError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('validation', message);
    this.name = 'ValidationError';
    this.field = field;
  }
}

/** Builds the standard message for a field rule: "The field 'x' <rule>". */
export function fieldError(field: string, rule: string): ValidationError {
  return new ValidationError(field, `The field '${field}' ${rule}`);
}

export const apiKeyInvalid = (): PetrelError =>
  new PetrelError('apiKeyInvalid', 'The API key is missing, malformed or unknown');

export const permissionDenied = (endpoint: string): PetrelError =>
  new PetrelError('permissionDenied', `This API key is not permitted to use the endpoint '${endpoint}'`);

export const apiException = (message: string): PetrelError => new PetrelError('apiException', message);

export const rateLimited = (limit: number): PetrelError =>
  new PetrelError('rateLimited', `Too many requests: this API key may make ${limit} requests per minute`);

export const payloadTooLarge = (limitBytes: number): PetrelError =>
  new PetrelError('payloadTooLarge', `The request body is larger than the limit of ${limitBytes} bytes`);

export const endpointNotFound = (method: string, url: string): PetrelError =>
  new PetrelError('endpointNotFound', `There is no endpoint ${method} ${url}`);

export const internalError = (): PetrelError =>
  new PetrelError('internal', 'An internal error occurred; it has been logged');

export const noSuchSmtpUser = (username: string): PetrelError =>
  apiException(`No SMTP user '${username}' in this account`);

export const usernameTaken = (username: string): PetrelError =>
  apiException(`The username '${username}' is already taken`);

/** email/send and email/mime with a key whose status is blocked (SPEC §2.3, the key's own settings). */
export const sendingBlocked = (keyId: string): PetrelError =>
  apiException(`Sending is blocked for API key '${keyId}'`);

/** email/send and email/mime for a subaccount that is closed (SPEC §1.6). */
export const sendingAccountClosed = (accountId: string): PetrelError =>
  apiException(`Sending is not allowed: the account '${accountId}' is closed`);

/** A message sent through the API that is larger than the node's message size limit. */
export const messageTooLarge = (limitBytes: number): PetrelError =>
  new PetrelError('payloadTooLarge', `The message is larger than the size limit of ${limitBytes} bytes`);

export const authFailuresLimited = (perMinute: number): PetrelError =>
  new PetrelError(
    'rateLimited',
    `Too many failed authentications from this address: at most ${perMinute} a minute; try again later`,
  );

export const keylessBodyTooLarge = (limitBytes: number): PetrelError =>
  new PetrelError(
    'payloadTooLarge',
    `A request whose API key is in the JSON body may be at most ${limitBytes / 1024} KiB (${limitBytes} bytes) ` +
      'until the key is checked; send the key in the X-Smtp2go-Api-Key header for larger bodies',
  );

/** An API key used from an address its account's API IP allow list does not hold (SPEC §8). */
export const clientNetworkDenied = (address: string): PetrelError =>
  new PetrelError(
    'permissionDenied',
    `This API key may not be used from ${address}: the account's API IP allow list does not include it`,
  );
