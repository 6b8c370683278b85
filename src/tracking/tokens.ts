// Signed tokens carried in open-pixel, click-redirect and unsubscribe URLs: who got which message,
// and (for clicks) where to send them. The HMAC makes them unforgeable, so a click token can never
// be turned into an open redirect to a URL Petrel did not put in the message itself.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TrackingKind = 'open' | 'click' | 'unsubscribe';

export interface TrackingPayload {
  kind: TrackingKind;
  /** Petrel's message id (the one in `250 2.0.0 OK id=<id>`). */
  messageId: string;
  recipient: string;
  /** The SMTP username, or the API key id for mail sent through the HTTP API. */
  username: string;
  accountId: string;
  /** The original link target; present for (and only for) `click`. */
  url?: string;
}

/** A node secret; an array verifies against each (the first one signs), so secrets can be rotated. */
export type TrackingSecret = string | Buffer;

// Version 1 layout, a JSON array rather than an object to keep URLs short:
// [1, kindCode, messageId, recipient, username, accountId, url?]
const VERSION = 1;
const KIND_CODES: Record<TrackingKind, string> = { open: 'o', click: 'c', unsubscribe: 'u' };
const KINDS_BY_CODE = new Map(Object.entries(KIND_CODES).map(([kind, code]) => [code, kind as TrackingKind]));
// 128 bits of HMAC-SHA256: forging needs 2^128 guesses, each one an HTTP request.
const MAC_BYTES = 16;
const MAC_CHARS = Math.ceil((MAC_BYTES * 4) / 3);
const MIN_SECRET_BYTES = 16;
// A click URL is at most a few KiB in practice; anything far beyond is not ours and not worth a MAC.
export const MAX_TOKEN_CHARS = 16 * 1024;
// Keeps the MAC of a tracking token from ever being valid for another use of the same secret.
const MAC_CONTEXT = 'petrel-tracking-v1.';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function secretBytes(secret: TrackingSecret): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new TypeError(`The tracking secret must be at least ${MIN_SECRET_BYTES} bytes long`);
  }
  return bytes;
}

function mac(secret: Buffer, body: string): Buffer {
  return createHmac('sha256', secret)
    .update(MAC_CONTEXT + body)
    .digest()
    .subarray(0, MAC_BYTES);
}

/** Only absolute http(s) URLs may be redirected to: anything else in a click token is refused. */
export function isTrackableUrl(url: string): boolean {
  if (!/^https?:\/\//i.test(url)) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `new URL(url).href`: the one form in which Petrel signs a link. */
export function normalizedUrl(url: string): string {
  return new URL(url).href;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Builds the signed token `<base64url payload>.<base64url MAC>`. Throws TypeError on a bad payload. */
export function signToken(secret: TrackingSecret | TrackingSecret[], payload: TrackingPayload): string {
  const signing = Array.isArray(secret) ? secret[0] : secret;
  if (signing === undefined) throw new TypeError('No tracking secret given');
  const { kind, messageId, recipient, username, accountId, url } = payload;
  const code = KIND_CODES[kind];
  if (code === undefined) throw new TypeError(`Unknown tracking token kind '${String(kind)}'`);
  for (const [name, value] of Object.entries({ messageId, recipient, username, accountId })) {
    if (!isNonEmptyString(value))
      throw new TypeError(`Tracking token field '${name}' must be a non-empty string`);
  }
  const fields: unknown[] = [VERSION, code, messageId, recipient, username, accountId];
  if (kind === 'click') {
    if (typeof url !== 'string' || !isTrackableUrl(url)) {
      throw new TypeError('A click token needs an absolute http(s) URL');
    }
    // Signed as the URL parser writes it (SPEC §10): tabs, CR and LF are dropped and spaces escaped, so
    // the Location header of the redirect can never be made invalid or split by a link in a message.
    fields.push(normalizedUrl(url));
  } else if (url !== undefined) {
    throw new TypeError(`A ${kind} token carries no URL`);
  }
  const body = Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
  return `${body}.${mac(secretBytes(signing), body).toString('base64url')}`;
}

function decodePayload(body: string): TrackingPayload | null {
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(fields) || fields[0] !== VERSION) return null;
  const [, code, messageId, recipient, username, accountId, url] = fields as unknown[];
  const kind = typeof code === 'string' ? KINDS_BY_CODE.get(code) : undefined;
  if (kind === undefined) return null;
  if (![messageId, recipient, username, accountId].every(isNonEmptyString)) return null;
  const base = {
    kind,
    messageId: messageId as string,
    recipient: recipient as string,
    username: username as string,
    accountId: accountId as string,
  };
  if (kind === 'click') {
    // Checked again although signed: a token is only as good as the rule it was signed under.
    if (fields.length !== 7 || typeof url !== 'string' || !isTrackableUrl(url)) return null;
    return { ...base, url };
  }
  return fields.length === 6 ? base : null;
}

/**
 * Returns the payload of a token signed with (one of) the secret(s), or null for anything else:
 * tampered, truncated, malformed, signed with another secret, or of another kind than `expectedKind`.
 * Never throws for a bad token (a bad secret is a configuration error and does throw).
 */
export function verifyToken(
  secret: TrackingSecret | TrackingSecret[],
  token: unknown,
  expectedKind?: TrackingKind,
): TrackingPayload | null {
  const secrets = (Array.isArray(secret) ? secret : [secret]).map(secretBytes);
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return null;
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const body = token.slice(0, dot);
  const signature = token.slice(dot + 1);
  if (!BASE64URL.test(body) || signature.length !== MAC_CHARS || !BASE64URL.test(signature)) return null;
  const given = Buffer.from(signature, 'base64url');
  // Re-encoding catches the non-canonical spellings base64url decoding would otherwise accept.
  if (given.length !== MAC_BYTES || given.toString('base64url') !== signature) return null;
  // Every secret is tried, so timing does not tell which one (if any) matched.
  let valid = false;
  for (const key of secrets) valid = timingSafeEqual(mac(key, body), given) || valid;
  if (!valid) return null;
  const payload = decodePayload(body);
  if (payload === null || (expectedKind !== undefined && payload.kind !== expectedKind)) return null;
  return payload;
}
