// Reads a message's header block (up to the first empty line) from its stream without reading the body,
// for the DSN's text/rfc822-headers part, the bounce-routing check and the Subject of events. Memory
// stays bounded.
import type { Readable } from 'node:stream';
import { decodeWords } from 'postal-mime';

/**
 * The header block as text (latin1 would lose nothing, but headers are ASCII or UTF-8 in practice), at
 * most `maxBytes` of it. The stream is destroyed once the end of the headers is seen.
 */
export async function readHeaderBlock(stream: Readable, maxBytes = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buf);
      size += buf.length;
      const joined = Buffer.concat(chunks);
      const end = headerEnd(joined);
      if (end >= 0) return joined.subarray(0, Math.min(end, maxBytes)).toString('utf8');
      if (size >= maxBytes) return joined.subarray(0, maxBytes).toString('utf8');
      chunks.splice(0, chunks.length, joined);
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    stream.destroy();
  }
}

/** The header block of a whole message held in memory, as readHeaderBlock would read it from a stream. */
export function headerBlockOf(message: Buffer, maxBytes = 64 * 1024): string {
  const end = headerEnd(message);
  return message.subarray(0, Math.min(end >= 0 ? end : message.length, maxBytes)).toString('utf8');
}

/** Offset of the empty line ending the headers (CRLF CRLF or LF LF), or -1. */
function headerEnd(buf: Buffer): number {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0) return lf;
  if (lf < 0) return crlf;
  return Math.min(crlf, lf);
}

/** The unfolded value of the first header of that name, or null. */
export function headerValue(headers: string, name: string): string | null {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).trim();
  }
  return null;
}

/** Longest Subject kept for events: enough to recognise a message, bounded for the database. */
const MAX_SUBJECT_CHARS = 998;

/** The Subject as a reader sees it (RFC 2047 words decoded), '' when there is none. */
export function subjectOf(headers: string): string {
  const raw = headerValue(headers, 'subject');
  if (raw === null) return '';
  let subject: string;
  try {
    subject = decodeWords(raw);
  } catch {
    subject = raw; // a malformed encoded word: the raw text still identifies the message
  }
  return subject.replace(/[\r\n\t]+/g, ' ').slice(0, MAX_SUBJECT_CHARS);
}
