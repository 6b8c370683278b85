// A first, cheap pass over a message that finds what the per-recipient transform cannot know while
// streaming: which text parts come last, and whether the message is signed or encrypted. Computed once
// per message (it is the same for every recipient) and small enough to store with the queue entry.
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Splitter, type SplitterChunk, type MimeNode } from '@zone-eu/mailsplit';

export interface BodyPartOutline {
  /** Position of the part among the MIME nodes, in the order the splitter emits them (root = 0). */
  node: number;
  kind: 'plain' | 'html';
  /** Longest line of the raw (encoded) part body, in octets without the line ending. */
  longestLine: number;
}

export interface MessageOutline {
  /** multipart/signed, multipart/encrypted or application/(x-)pkcs7-mime: the message passes untouched. */
  sealed: boolean;
  /** Text parts that are message body (not attachments), in message order. */
  bodyParts: BodyPartOutline[];
}

const SEALED_TYPES = new Set([
  'multipart/signed',
  'multipart/encrypted',
  'application/pkcs7-mime',
  'application/x-pkcs7-mime',
]);

/**
 * Both passes split with the same settings, so node positions agree between them. Typed as a plain
 * Transform (of SplitterChunk objects): mailsplit's typings declare its 'data' event and hide the rest.
 */
export function createSplitter(): Transform {
  // message/rfc822 parts are leaves: an attached message is an attachment, never rewritten.
  return new Splitter({ ignoreEmbedded: true }) as unknown as Transform;
}

export function isSealed(node: MimeNode): boolean {
  return SEALED_TYPES.has(node.contentType || '');
}

/** Which kind of body text a leaf is; null for containers, attachments and other types. */
export function bodyTextKind(node: MimeNode): 'plain' | 'html' | null {
  if (node.multipart || node.disposition === 'attachment') return null;
  if (node.contentType === 'text/plain') return 'plain';
  if (node.contentType === 'text/html') return 'html';
  return null;
}

/** The last body part of a kind, or undefined when the message has none. */
export function lastBodyPart(outline: MessageOutline, kind: 'plain' | 'html'): BodyPartOutline | undefined {
  return outline.bodyParts.filter((p) => p.kind === kind).at(-1);
}

/** Reads a whole message (from the spool file) and outlines it. Rejects on MIME the splitter refuses. */
export async function readMessageOutline(
  source: Readable | AsyncIterable<Buffer | Uint8Array>,
): Promise<MessageOutline> {
  const splitter = createSplitter();
  const outline: MessageOutline = { sealed: false, bodyParts: [] };
  let index = -1;
  let current: BodyPartOutline | null = null;
  let lineLength = 0;

  const measure = (bytes: Buffer): void => {
    let start = 0;
    for (let lf = bytes.indexOf(0x0a); lf >= 0; lf = bytes.indexOf(0x0a, start)) {
      const end = lf > start && bytes[lf - 1] === 0x0d ? lf - 1 : lf;
      lineLength += end - start;
      if (current !== null && lineLength > current.longestLine) current.longestLine = lineLength;
      lineLength = 0;
      start = lf + 1;
    }
    lineLength += bytes.length - start;
    if (current !== null && lineLength > current.longestLine) current.longestLine = lineLength;
  };

  const consume = (chunk: SplitterChunk): void => {
    if (chunk.type === 'node') {
      index += 1;
      lineLength = 0;
      current = null;
      if (isSealed(chunk)) outline.sealed = true;
      const kind = bodyTextKind(chunk);
      if (kind !== null) {
        current = { node: index, kind, longestLine: 0 };
        outline.bodyParts.push(current);
      }
    } else if (chunk.type === 'body' && current !== null) {
      measure(chunk.value);
    } else if (chunk.type === 'data') {
      current = null;
    }
  };

  await pipeline(source, splitter, async (chunks: AsyncIterable<SplitterChunk>) => {
    for await (const chunk of chunks) consume(chunk);
  });
  return outline;
}
