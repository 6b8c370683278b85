// Test helper: splits a raw message into its MIME segments (each node's header block and body, and the
// boundary lines between them) with mailsplit, and decodes a text part, so tests can compare parts.
import { readFileSync, readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import libqp from 'libqp';
import type { SplitterChunk } from '@zone-eu/mailsplit';
import {
  createSplitter,
  readMessageOutline,
  type MessageOutline,
} from '../../../src/transform/message-outline.js';
import {
  createRecipientTransform,
  type RecipientTransformOptions,
} from '../../../src/transform/recipient-transform.js';

export interface MimePart {
  node: number;
  contentType: string;
  charset: string;
  encoding: string;
  disposition: string;
  head: Buffer;
  body: Buffer;
}

export interface MimeSegments {
  parts: MimePart[];
  /** Everything that is not a node's head or body, in order: preambles, boundaries, epilogues. */
  data: Buffer[];
}

export async function splitMessage(raw: Buffer): Promise<MimeSegments> {
  const parts: MimePart[] = [];
  const data: Buffer[] = [];
  const bodies: Buffer[][] = [];
  await pipeline(Readable.from([raw]), createSplitter(), async (chunks: AsyncIterable<SplitterChunk>) => {
    for await (const chunk of chunks) {
      if (chunk.type === 'node') {
        parts.push({
          node: parts.length,
          contentType: chunk.contentType || '',
          charset: (chunk.charset || '').toLowerCase(),
          encoding: chunk.encoding || '',
          disposition: chunk.disposition || '',
          head: chunk.getHeaders(),
          body: Buffer.alloc(0),
        });
        bodies.push([]);
      } else if (chunk.type === 'body') {
        bodies[bodies.length - 1]?.push(chunk.value);
      } else {
        data.push(chunk.value);
      }
    }
  });
  parts.forEach((part, i) => (part.body = Buffer.concat(bodies[i] ?? [])));
  return { parts, data };
}

/** The text of a part: transfer encoding undone, charset decoded (latin1 when there is none). */
export function decodePart(part: MimePart): string {
  const raw = part.body;
  const bytes =
    part.encoding === 'base64'
      ? Buffer.from(raw.toString('latin1').replace(/\s+/g, ''), 'base64')
      : part.encoding === 'quoted-printable'
        ? libqp.decode(raw)
        : raw;
  const charset = part.charset === '' || part.charset === 'us-ascii' ? 'latin1' : part.charset;
  return iconv.decode(bytes, charset);
}

/** The value of the first header field of that name in a head block (unfolded), or undefined. */
export function headerValue(head: Buffer, name: string): string | undefined {
  const unfolded = head.toString('latin1').replace(/\r?\n[ \t]/g, ' ');
  const match = new RegExp(`^${name}:[ \\t]*(.*?)\\r?$`, 'im').exec(unfolded);
  return match?.[1];
}

export function toCrlf(raw: Buffer): Buffer {
  return Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

const CORPUS = new URL('./', import.meta.url);

/** The corpus fixtures (stored with LF line endings), by file name. */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS)
    .filter((f) => f.endsWith('.eml'))
    .sort();
}

export function readFixture(name: string): Buffer {
  return readFileSync(new URL(name, CORPUS));
}

/** Outlines the message, then runs it through the transform in small chunks. */
export async function transformMessage(
  raw: Buffer,
  options: Omit<RecipientTransformOptions, 'outline'>,
  outline?: MessageOutline,
): Promise<Buffer> {
  const plan = outline ?? (await readMessageOutline(Readable.from([raw])));
  const chunks: Buffer[] = [];
  for (let i = 0; i < raw.length; i += 1000) chunks.push(raw.subarray(i, i + 1000));
  return buffer(Readable.from(chunks).pipe(createRecipientTransform({ ...options, outline: plan })));
}
