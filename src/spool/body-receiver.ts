// Takes a message body off its stream with bounded memory: small messages stay in one buffer (stored
// inline in the queue database), larger ones spill to a body file written in 64 KiB runs and
// fdatasync'd. Over the size limit, or when the disk is full, the rest of the stream is still read
// and dropped so the SMTP session behind it stays usable.
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { isDiskFull } from './disk-errors.js';
import { MessageTooLargeError, SpoolFullError } from './types.js';

/** The part of a FileHandle the receiver uses. */
export type BodyFile = Pick<FileHandle, 'writev' | 'datasync' | 'close'>;

/** Opens a new body file for writing; a seam so tests can inject write failures. */
export type OpenBodyFile = (path: string) => Promise<BodyFile>;

export const openBodyFileDefault: OpenBodyFile = (path) => open(path, 'wx', 0o600);

export interface ReceiveOptions {
  /** Bytes stored before the body (the Received header). Not counted against maxBytes. */
  prefix: Buffer;
  maxBytes: number;
  /** Messages whose stored size stays at or under this are returned in memory. */
  inlineMaxBytes: number;
  /** Where a larger message is written. */
  filePath: string;
  openBodyFile: OpenBodyFile;
}

export type ReceivedBody = { kind: 'inline'; data: Buffer; size: number } | { kind: 'file'; size: number };

const WRITE_RUN = 64 * 1024;

/** One message's trip from the stream to memory or disk. */
class BodySink {
  chunks: Buffer[];
  buffered: number;
  stored = 0;
  failure: Error | null = null;
  private file: BodyFile | null = null;
  private created = false;

  constructor(private readonly options: ReceiveOptions) {
    this.chunks = [options.prefix];
    this.buffered = options.prefix.length;
  }

  get spilled(): boolean {
    return this.created;
  }

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  shouldWrite(): boolean {
    return this.created ? this.buffered >= WRITE_RUN : this.buffered > this.options.inlineMaxBytes;
  }

  async write(): Promise<void> {
    if (!this.file) {
      this.file = await this.options.openBodyFile(this.options.filePath);
      this.created = true;
    }
    const size = this.buffered;
    await this.file.writev(this.chunks);
    this.stored += size;
    this.chunks = [];
    this.buffered = 0;
  }

  async finishFile(): Promise<void> {
    if (this.buffered > 0) await this.write();
    const file = this.file;
    if (!file) return;
    await file.datasync();
    this.file = null;
    await file.close();
  }

  async fail(err: unknown): Promise<void> {
    this.failure = isDiskFull(err)
      ? new SpoolFullError()
      : err instanceof Error
        ? err
        : new Error(String(err));
    this.chunks = [];
    this.buffered = 0;
    await this.discard();
  }

  async discard(): Promise<void> {
    const file = this.file;
    this.file = null;
    if (file) await file.close().catch(() => undefined);
    if (this.created) await rm(this.options.filePath, { force: true });
    this.created = false;
  }
}

export async function receiveBody(body: Readable, options: ReceiveOptions): Promise<ReceivedBody> {
  const sink = new BodySink(options);
  let bodyBytes = 0;
  try {
    for await (const raw of body as AsyncIterable<Buffer | string>) {
      const chunk = typeof raw === 'string' ? Buffer.from(raw, 'binary') : raw;
      bodyBytes += chunk.length;
      if (sink.failure) continue; // draining: the client is still sending what we will refuse
      if (bodyBytes > options.maxBytes) {
        await sink.fail(new MessageTooLargeError(options.maxBytes));
        continue;
      }
      sink.add(chunk);
      if (sink.shouldWrite()) await sink.write().catch((err: unknown) => sink.fail(err));
    }
  } catch (err) {
    // The stream itself failed (the client went away mid-DATA): nothing to drain, nothing kept.
    await sink.discard();
    throw err;
  }
  if (sink.failure) throw sink.failure;

  if (!sink.spilled) {
    return { kind: 'inline', data: Buffer.concat(sink.chunks, sink.buffered), size: sink.buffered };
  }
  try {
    await sink.finishFile();
  } catch (err) {
    await sink.fail(err);
    throw sink.failure ?? err;
  }
  return { kind: 'file', size: sink.stored };
}
