// The SMTP2GO response envelope: `{ request_id, data }`, with errors described inside `data`.
import type { PetrelError } from '../domain/errors.js';
import { ValidationError } from '../domain/errors.js';

export interface EnvelopeBody {
  request_id: string;
  data: unknown;
}

export function success(requestId: string, data: unknown): EnvelopeBody {
  return { request_id: requestId, data };
}

export function failure(requestId: string, error: PetrelError): EnvelopeBody {
  const data: Record<string, unknown> = { error: error.message, error_code: error.errorCode };
  if (error instanceof ValidationError) {
    data.field_validation_errors = { fieldname: error.field, message: error.message };
  }
  return { request_id: requestId, data };
}
