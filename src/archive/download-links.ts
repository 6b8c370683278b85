// Short-lived signed links that stream a whole stored message (SPEC §10): sandbox/view and archive/view
// answer at most 1 MiB of it, and this link for the rest. The link names the message and its account and
// expires; the HMAC (keyed with the node set's shared link secret, in a context of its own so it is never
// valid as a tracking token) means it cannot be forged or pointed at another account's message. Anyone
// holding the link may download until it expires, as with any pre-signed URL: it is handed only to the
// API key that viewed the message.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type StoredKind = 'sandbox' | 'archive';

export interface DownloadTarget {
  kind: StoredKind;
  accountId: string;
  emailId: string;
}

/** Path below the API's base URL. */
export const DOWNLOAD_PATH = '/v3/message/raw/';
export const DOWNLOAD_LINK_SECONDS = 15 * 60;

const MAC_CONTEXT = 'petrel-download-v1.';
const MAC_BYTES = 16;
const CODES: Record<StoredKind, string> = { sandbox: 's', archive: 'a' };

export interface DownloadLinks {
  /** The path (relative to the node's API URL) that streams the message until the link expires. */
  link(target: DownloadTarget): string;
  /** The target of a valid, unexpired token; null for anything else. */
  verify(token: string): DownloadTarget | null;
}

export function downloadLinks(secret: Buffer, now: () => number = Date.now): DownloadLinks {
  const mac = (body: string) =>
    createHmac('sha256', secret)
      .update(MAC_CONTEXT + body)
      .digest()
      .subarray(0, MAC_BYTES);
  return {
    link({ kind, accountId, emailId }) {
      const expires = Math.floor(now() / 1000) + DOWNLOAD_LINK_SECONDS;
      const body = Buffer.from(JSON.stringify([CODES[kind], accountId, emailId, expires])).toString(
        'base64url',
      );
      return `${DOWNLOAD_PATH}${body}.${mac(body).toString('base64url')}`;
    },
    verify(token) {
      const match = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{22})$/.exec(token);
      if (!match) return null;
      const [, body = '', given = ''] = match;
      const expected = mac(body);
      const presented = Buffer.from(given, 'base64url');
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
      let fields: unknown;
      try {
        fields = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        return null;
      }
      if (!Array.isArray(fields) || fields.length !== 4) return null;
      const [code, accountId, emailId, expires] = fields as unknown[];
      const kind = code === 's' ? 'sandbox' : code === 'a' ? 'archive' : null;
      if (kind === null || typeof accountId !== 'string' || typeof emailId !== 'string') return null;
      if (typeof expires !== 'number' || expires * 1000 < now()) return null;
      return { kind, accountId, emailId };
    },
  };
}
