// Reads a returned message off the SMTP DATA stream into memory for the parser, which needs it whole.
// Two bounds keep the node's memory bounded however many clients send at once: 10 MiB per message
// (SPEC §6), and one budget shared by every session of the listener — a message that would take the
// node past it is answered 451 (try again later) instead of held. Mail that is only logged
// (postmaster@) is counted, never kept.
import type { SMTPServerDataStream } from 'smtp-server';

export type ReadResult =
  /** `release()` gives the bytes back to the budget once the message has been dealt with. */
  { kind: 'read'; raw: Buffer; size: number; release: () => void } | { kind: 'too-large' } | { kind: 'busy' };

export class MessageReader {
  private inUse = 0;

  constructor(
    private readonly maxMessageBytes: number,
    /** Bytes all sessions together may hold at once. */
    private readonly budgetBytes: number,
  ) {}

  /** Bytes held right now (for tests and metrics). */
  get held(): number {
    return this.inUse;
  }

  /** Reads the whole stream; keeps its bytes only when `keep`. Always drains it, so the session goes on. */
  async read(stream: SMTPServerDataStream, keep: boolean): Promise<ReadResult> {
    const chunks: Buffer[] = [];
    let size = 0;
    let held = 0;
    let outcome: 'ok' | 'too-large' | 'busy' = 'ok';
    const release = () => {
      this.inUse -= held;
      held = 0;
    };
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.maxMessageBytes) outcome = 'too-large';
        if (outcome !== 'ok' || !keep) continue;
        if (this.inUse + chunk.length > this.budgetBytes) {
          outcome = 'busy';
          continue;
        }
        chunks.push(chunk);
        held += chunk.length;
        this.inUse += chunk.length;
      }
    } catch (err) {
      release();
      throw err;
    }
    if (outcome !== 'ok' || stream.sizeExceeded) {
      release();
      return { kind: outcome === 'busy' && !stream.sizeExceeded ? 'busy' : 'too-large' };
    }
    return { kind: 'read', raw: Buffer.concat(chunks), size, release };
  }
}
