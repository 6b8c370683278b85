// Standard Webhooks signing (SPEC §7): secrets `whsec_<base64>`, and the three headers every call carries.
// HMAC-SHA256 over `id.timestamp.body`, keyed with the secret's decoded bytes.
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';
const SECRET_BYTES = 32;

export function newWebhookSecret(): string {
  return PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

export function secretBytes(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new Error('A webhook secret starts with whsec_');
  return Buffer.from(secret.slice(PREFIX.length), 'base64');
}

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The headers of one attempt; `id` stays the same across retries, the timestamp is the attempt's. */
export function signatureHeaders(
  secret: string,
  id: string,
  body: string,
  now: Date = new Date(),
): SignatureHeaders {
  return signedWithKey(secretBytes(secret), id, body, now);
}

/** As `signatureHeaders`, with the secret already decoded (the dispatcher keeps it per webhook). */
export function signedWithKey(key: Buffer, id: string, body: string, now: Date): SignatureHeaders {
  const timestamp = Math.floor(now.getTime() / 1000).toString();
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${mac}` };
}
