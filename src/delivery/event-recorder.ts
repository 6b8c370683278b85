// Writes activity events behind the mail flow: intake and delivery hand events over and carry on, and
// the recorder inserts them in batches (one INSERT per batch, not per event), off the path of the 250
// and of the next delivery. Events are a record, not state: a write that fails is logged and dropped.
// Batches gather for a short while: on SQLite each INSERT is a transaction synced to disk on the event
// loop, so one per event would cost the mail flow more than anything else it does.
import type { Logger } from 'pino';
import type { EventsRepository, NewEvent } from '../store/repositories/events.js';

/** One INSERT holds at most this many rows (PostgreSQL allows 65,535 parameters; 15 per row). */
const MAX_BATCH = 1000;
/** How long events wait for company; an event shows up in activity/search this much later at most. */
const GATHER_MS = 100;

export class EventRecorder {
  private buffer: NewEvent[] = [];
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  /** Producers still working out their events (e.g. reading a Subject off the spool). */
  private readonly producers = new Set<Promise<unknown>>();

  constructor(
    private readonly events: Pick<EventsRepository, 'record'>,
    private readonly logger: Logger,
  ) {}

  /** Queues events for the next batch. */
  add(events: NewEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) this.buffer.push({ ...e, date: e.date ?? new Date() });
    this.schedule();
  }

  /** Queues the events `work` resolves to; `idle()` waits for it. */
  addLater(work: Promise<NewEvent[]>): void {
    const tracked = work.then(
      (events) => this.add(events),
      (err: unknown) => this.logger.warn({ err }, 'events: could not prepare activity events'),
    );
    this.producers.add(tracked);
    void tracked.finally(() => this.producers.delete(tracked));
  }

  /** Resolves once every event handed over so far has been written (or given up on). */
  async idle(): Promise<void> {
    while (this.producers.size > 0 || this.buffer.length > 0 || this.flushing) {
      if (this.producers.size > 0) await Promise.all([...this.producers]);
      else await this.flush();
    }
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    const timer = setTimeout(() => {
      this.scheduled = false;
      void this.flush();
    }, GATHER_MS);
    // Pending events never keep a process alive on their own; idle() writes them at shutdown.
    timer.unref();
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      while (this.buffer.length > 0) {
        const batch = this.buffer.splice(0, MAX_BATCH);
        try {
          await this.events.record(batch);
        } catch (err) {
          this.logger.error({ err, events: batch.length }, 'events: could not record activity events');
        }
      }
    })().finally(() => {
      this.flushing = null;
      // Handed over between the last INSERT and now: the next batch.
      if (this.buffer.length > 0) this.schedule();
    });
    return this.flushing;
  }
}
