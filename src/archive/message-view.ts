// A stored message (sandboxed in the spool, or archived) as the API shows it: its header fields, its text
// and HTML bodies and its raw source; and the header facts search results need (subject, addresses).
import type { Readable } from 'node:stream';
import PostalMime, { decodeWords, type Address } from 'postal-mime';
import { readHeaderBlock, subjectOf } from '../delivery/header-block.js';
import type { StoredMessageView } from '../domain/schemas/sandbox.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The source as text. Mail is 7-bit or UTF-8 in practice and reads as UTF-8; any other 8-bit content
 * falls back to Latin-1, one character per byte, so the download still holds every byte.
 */
export function rawText(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

function decodedValue(value: string): string {
  try {
    return decodeWords(value);
  } catch {
    return value;
  }
}

/** Reads the whole message from `body` and parses it (postal-mime). */
export async function readMessageView(emailId: string, body: Readable): Promise<StoredMessageView> {
  const bytes = await readAll(body);
  const email = await PostalMime.parse(bytes);
  return {
    email_id: emailId,
    // In order, duplicates kept (Received, for one, repeats); values unfolded and RFC 2047-decoded.
    headers: email.headers.map((h) => ({ name: h.originalKey, value: decodedValue(h.value) })),
    text_body: email.text ?? '',
    html_body: email.html ?? '',
    raw: rawText(bytes),
  };
}

export interface HeaderFacts {
  /** Decoded Subject, '' when there is none. */
  subject: string;
  /** The addresses in To and Cc, in order. */
  addresses: string[];
}

function mailboxes(list: Address[] | undefined): string[] {
  return (list ?? []).flatMap((a) => (a.group ? a.group.map((m) => m.address) : [a.address]));
}

/** Subject and To/Cc of a message, reading only its header block (bounded memory, whatever the size). */
export async function readHeaderFacts(body: Readable): Promise<HeaderFacts> {
  const head = await readHeaderBlock(body);
  const email = await PostalMime.parse(`${head.replace(/(\r?\n)*$/, '')}\r\n\r\n`);
  return {
    // The one rule for a subject shown in lists and events (decoded, one line, bounded).
    subject: subjectOf(head),
    addresses: [...mailboxes(email.to), ...mailboxes(email.cc)].filter((a) => a !== ''),
  };
}
