// A stored message (sandboxed in the spool, or archived) as the API shows it: its header fields, its text
// and HTML bodies and its raw source; and the header facts search results need (subject, addresses).
import type { Readable } from 'node:stream';
import PostalMime, { decodeWords, type Address } from 'postal-mime';
import { readHeaderBlock, subjectOf } from '../delivery/header-block.js';
import type { StoredMessageView } from '../domain/schemas/sandbox.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** SPEC §10: a view shows (and parses) at most this much of a message; the download link has the rest. */
export const VIEW_LIMIT_BYTES = 1024 * 1024;

/**
 * The first `limit` bytes of the stream and its total size. The rest is read and counted but neither
 * kept nor parsed, so memory and work stay bounded whatever the size of the message.
 */
async function readPrefix(stream: Readable, limit: number): Promise<{ prefix: Buffer; size: number }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (kept < limit) {
      const piece = bytes.subarray(0, limit - kept);
      chunks.push(piece);
      kept += piece.length;
    }
  }
  return { prefix: Buffer.concat(chunks, kept), size };
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

/** Like rawText, for a prefix that may end inside a UTF-8 sequence: the broken tail is left out. */
function rawPrefixText(bytes: Buffer): string {
  for (let drop = 0; drop < 4 && drop < bytes.length; drop++) {
    try {
      return utf8.decode(bytes.subarray(0, bytes.length - drop));
    } catch {
      // try without one more trailing byte
    }
  }
  return bytes.toString('latin1');
}

function decodedValue(value: string): string {
  try {
    return decodeWords(value);
  } catch {
    return value;
  }
}

/** A string cut to at most `limit` UTF-16 units, never inside a surrogate pair. */
function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(limit - 1)) ? limit - 1 : limit;
  return text.slice(0, end);
}

/**
 * Reads at most VIEW_LIMIT_BYTES of the message from `body` and parses that prefix (postal-mime copes
 * with a message cut short). `truncated` says whether the message was longer; the bodies and the raw
 * source shown are each at most 1 MiB.
 */
export async function readMessageView(
  emailId: string,
  body: Readable,
): Promise<Omit<StoredMessageView, 'download_url'>> {
  const { prefix, size } = await readPrefix(body, VIEW_LIMIT_BYTES);
  const truncated = size > prefix.length;
  const email = await PostalMime.parse(prefix);
  return {
    email_id: emailId,
    // In order, duplicates kept (Received, for one, repeats); values unfolded and RFC 2047-decoded.
    headers: email.headers.map((h) => ({ name: h.originalKey, value: decodedValue(h.value) })),
    text_body: cut(email.text ?? '', VIEW_LIMIT_BYTES),
    html_body: cut(email.html ?? '', VIEW_LIMIT_BYTES),
    raw: truncated ? rawPrefixText(prefix) : rawText(prefix),
    truncated,
    size,
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
