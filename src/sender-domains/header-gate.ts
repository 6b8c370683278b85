// Lets a message's bytes through to the spool only once its header block has passed a check (SPEC §5:
// the From header under PETREL_SENDER_POLICY=verified). The header block is held (bounded); a refused
// message errors the stream, so the spool stores nothing.
import { Transform, type TransformCallback } from 'node:stream';

const MAX_HEADER_BYTES = 256 * 1024;

export class HeaderRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'HeaderRefused';
  }
}

export class HeaderGate extends Transform {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private open = false;

  /** `check` resolves to null to let the message through, or to the refusal's reason. */
  constructor(private readonly check: (headers: string) => Promise<string | null>) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.open) return done(null, chunk);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    const sofar = Buffer.concat(this.held);
    this.held = [sofar];
    const end = headerEnd(sofar);
    if (end === -1 && this.heldBytes < MAX_HEADER_BYTES) return done();
    this.release(sofar.subarray(0, end === -1 ? sofar.length : end).toString('latin1'), done);
  }

  override _flush(done: TransformCallback): void {
    if (this.open) return done();
    this.release(Buffer.concat(this.held).toString('latin1'), done);
  }

  private release(headers: string, done: TransformCallback): void {
    this.check(headers).then(
      (reason) => {
        if (reason !== null) return done(new HeaderRefused(reason));
        this.open = true;
        const held = Buffer.concat(this.held);
        this.held = [];
        done(null, held);
      },
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  }
}

function headerEnd(buf: Buffer): number {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return crlf + 4;
  return lf === -1 ? -1 : lf + 2;
}
