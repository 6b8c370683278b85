// email/mime (SPEC §1.7): the client's own message, base64-encoded as SMTP2GO takes it. Sender and
// recipients are read from its From, To, Cc and Bcc headers; the message is stored byte for byte, except
// that a Bcc header is removed (as `sendmail -t` does), so blind copies stay blind.
import { Readable } from 'node:stream';
import { decodeBase64 } from '../domain/base64.js';
import { quoteFound } from '../domain/email-address.js';
import { fieldError } from '../domain/errors.js';
import { parseMailboxList, type Mailbox } from '../domain/mailbox.js';
import { MAX_ADDRESSES_PER_FIELD } from '../domain/schemas/email.js';
import { HeaderBlock } from '../transform/header-block.js';
import type { OutgoingMessage } from './send-email.js';

const FIELD = 'mime_email';

/** Where the header block ends: just after its empty line (CRLF or LF), or the end of a headers-only message. */
function headerLength(message: Buffer): number {
  const crlf = message.indexOf('\r\n\r\n');
  const lf = message.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return message.length;
  if (lf < 0 || (crlf >= 0 && crlf < lf)) return crlf + 4;
  return lf + 2;
}

/** A header's addresses; HeaderBlock reads bytes as latin1, and addresses may be UTF-8 (RFC 6532). */
function addressesOf(head: HeaderBlock, name: string): Mailbox[] {
  const raw = head.get(name);
  if (raw === undefined) return [];
  const parsed = parseMailboxList(Buffer.from(raw, 'latin1').toString('utf8'));
  if (!parsed.ok) throw fieldError(FIELD, `has an invalid ${name} header: it ${parsed.reason}`);
  if (parsed.mailboxes.length > MAX_ADDRESSES_PER_FIELD) {
    throw fieldError(
      FIELD,
      `has ${parsed.mailboxes.length} addresses in its ${name} header; at most ${MAX_ADDRESSES_PER_FIELD} are allowed`,
    );
  }
  return parsed.mailboxes;
}

/** Decodes and checks `mimeEmail`; throws the ValidationError naming mime_email when it cannot be sent. */
export function readRawMessage(mimeEmail: string): OutgoingMessage {
  const message = decodeBase64(mimeEmail);
  if (message === null) {
    throw fieldError(FIELD, `must be the message encoded in base64, found ${quoteFound(mimeEmail)}`);
  }
  const split = headerLength(message);
  const head = HeaderBlock.parse(message.subarray(0, split));
  const from = addressesOf(head, 'From')[0];
  if (from === undefined) {
    throw fieldError(FIELD, 'has no From header with an address; the message needs one (it is the sender)');
  }
  const seen = new Set<string>();
  const recipients: string[] = [];
  for (const m of ['To', 'Cc', 'Bcc'].flatMap((name) => addressesOf(head, name))) {
    const key = m.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    recipients.push(m.address);
  }
  if (recipients.length === 0) {
    throw fieldError(FIELD, 'has no recipients: put them in its To, Cc or Bcc header');
  }
  let stored = message;
  if (head.get('Bcc') !== undefined) {
    head.remove('Bcc');
    stored = Buffer.concat([head.toBuffer(), message.subarray(split)]);
  }
  return {
    mailFrom: from.address,
    recipients,
    open: () => Readable.from([stored]),
    subject: head.get('Subject') ?? '',
  };
}
