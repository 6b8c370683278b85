// VERP envelope senders (SPEC §5, §6): `b-<email_id>-<mac>@<return-path host>`. The MAC binds the
// message id to one recipient, so a late bounce names exactly one delivery; the inbound listener finds
// the recipient among the message's own recipients (its `processed` events) by checking each MAC.
// Shared by delivery (which writes the address) and inbound/ (which reads it): one rule, one place.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isSortableId } from '../security/sortable-id.js';

/** Name of the shared secret (store/repositories/secrets.ts) that keys VERP MACs on every node. */
export const VERP_SECRET_NAME = 'verp-key';

// 13 base32 characters = 65 bits: a forger needs ~2^64 SMTP RCPT attempts per message id.
const MAC_CHARS = 13;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const MAC_CONTEXT = 'petrel-verp-v1.';
// b- + 19-character sortable id + - + 13 characters = 35, well inside RFC 5321's 64-octet local part.
const LOCAL_PART = /^b-([0-9a-z]{19})-([a-z2-7]{13})$/;

function macOf(key: Buffer, emailId: string, recipient: string): string {
  const digest = createHmac('sha256', key)
    .update(`${MAC_CONTEXT}${emailId}\n${recipient.toLowerCase()}`)
    .digest();
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < MAC_CHARS) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === MAC_CHARS) break;
  }
  return out;
}

/** The local part for one recipient's copy of a message: `b-<email_id>-<mac>`. */
export function verpLocalPart(key: Buffer, emailId: string, recipient: string): string {
  if (!isSortableId(emailId)) throw new TypeError(`Not a Petrel message id: ${emailId}`);
  return `b-${emailId}-${macOf(key, emailId, recipient)}`;
}

/** The whole VERP address at a return-path host. */
export function verpAddress(key: Buffer, emailId: string, recipient: string, host: string): string {
  return `${verpLocalPart(key, emailId, recipient)}@${host.toLowerCase()}`;
}

export interface VerpToken {
  emailId: string;
  mac: string;
}

/** Reads a local part shaped like a VERP token (case-insensitive); null for anything else. */
export function parseVerpLocalPart(localPart: string): VerpToken | null {
  const match = LOCAL_PART.exec(localPart.toLowerCase());
  if (!match?.[1] || !match[2]) return null;
  return { emailId: match[1], mac: match[2] };
}

/** True when the token's MAC was made for this recipient of its message (constant-time compare). */
export function verpNamesRecipient(key: Buffer, token: VerpToken, recipient: string): boolean {
  const expected = Buffer.from(macOf(key, token.emailId, recipient));
  const given = Buffer.from(token.mac);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
