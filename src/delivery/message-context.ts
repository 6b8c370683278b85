// What the deliveries of one message share, read off the spool once however many domains it goes to:
// its header block (Subject for events, the DSN's quoted headers) and its MIME outline (for the
// per-recipient transform). Kept while a delivery of the message is in progress, then dropped.
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { SpoolQueue } from '../spool/index.js';
import { readMessageOutline, type MessageOutline } from '../transform/message-outline.js';
import { readHeaderBlock, subjectOf } from './header-block.js';

export interface MessageContext {
  /** The stored header block (Petrel's Received header first). */
  headers(): Promise<string>;
  subject(): Promise<string>;
  /** The outline, or null when the MIME cannot be split: such a message is delivered untouched. */
  outline(): Promise<MessageOutline | null>;
  /** Lets go of the context; the last user's release drops it. */
  release(): void;
}

/** How many subjects read at intake are kept for the delivery events (a bounded, oldest-out memo). */
const REMEMBERED_SUBJECTS = 10_000;

interface Entry {
  users: number;
  headers?: Promise<string>;
  outline?: Promise<MessageOutline | null>;
}

export class MessageContexts {
  private readonly entries = new Map<string, Entry>();
  /** Subjects read when messages were accepted: their delivery need not read the headers again. */
  private readonly subjects = new Map<string, string>();

  constructor(
    private readonly queue: Pick<SpoolQueue, 'openBody'>,
    private readonly logger: Logger,
  ) {}

  acquire(messageId: string): MessageContext {
    let entry = this.entries.get(messageId);
    if (!entry) this.entries.set(messageId, (entry = { users: 0 }));
    entry.users++;
    const e = entry;
    let released = false;
    const headers = (): Promise<string> =>
      (e.headers ??= this.read(messageId, readHeaderBlock).catch((err: unknown) => {
        this.logger.warn({ err, messageId }, 'delivery: could not read the message headers');
        return '';
      }));
    return {
      headers,
      subject: async () => this.subjects.get(messageId) ?? subjectOf(await headers()),
      outline: () =>
        (e.outline ??= this.read<MessageOutline | null>(messageId, readMessageOutline).catch(
          (err: unknown) => {
            // Malformed MIME (a header block over 1 MiB, too many parts): delivered as accepted.
            this.logger.warn(
              { messageId, err: err instanceof Error ? err.message : String(err) },
              'delivery: the message cannot be split into MIME parts; it goes out untransformed',
            );
            return null;
          },
        )),
      release: () => {
        if (released) return;
        released = true;
        if (--e.users === 0) this.entries.delete(messageId);
      },
    };
  }

  /** Remembers a message's subject, read as it was accepted (see accepted-events.ts). */
  rememberSubject(messageId: string, subject: string): void {
    this.subjects.set(messageId, subject);
    if (this.subjects.size > REMEMBERED_SUBJECTS) {
      const oldest = this.subjects.keys().next().value;
      if (oldest !== undefined) this.subjects.delete(oldest);
    }
  }

  /** A reader over the stored message; a body that cannot even be opened rejects like a bad read. */
  private read<T>(messageId: string, reader: (body: Readable) => Promise<T>): Promise<T> {
    return Promise.resolve().then(() => reader(this.queue.openBody(messageId)));
  }
}
