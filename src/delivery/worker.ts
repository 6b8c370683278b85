// The delivery worker (SPEC §3.3): takes due recipients off the local queue in bounded batches, groups
// them by message and recipient domain, and runs a bounded number of deliveries at once. It sleeps until
// it is woken (a new message was spooled, a delivery finished), the next retry is due, or the poll
// interval passes (the operator's `petrel queue retry` from another process).
import type { Readable } from 'node:stream';
import type { ClaimedRecipient, QueuedMessage, SpoolQueue } from '../spool/index.js';
import {
  checkSuppressions,
  runDeliveryJob,
  type DeliveryGroup,
  type JobControl,
  type JobDeps,
} from './delivery-job.js';
import { MessageContexts } from './message-context.js';
import type { OutboundDelivery } from './outbound.js';
import type { Pacer } from './pacing/pacer.js';

/** Archives a message (the sender has archive_enabled) the first time the worker takes it up. */
export type ArchiveHook = (
  message: QueuedMessage,
  openBody: () => Readable,
  subject: string,
  recipients: readonly string[],
) => Promise<void>;

export interface WorkerDeps extends Omit<JobDeps, 'contexts' | 'queue' | 'delivery'> {
  queue: Pick<
    SpoolQueue,
    | 'claimDue'
    | 'release'
    | 'nextDueAt'
    | 'recipientsOf'
    | 'openBody'
    | 'recordAttempts'
    | 'isFinished'
    | 'purge'
  >;
  delivery: Pick<OutboundDelivery, 'deliverToDomain' | 'close' | 'refusesDestination'> & {
    /** Per-destination pacing (SPEC §9): a delivery starts only when its destination's rate allows. */
    pacing?: Pick<Pacer, 'reserve'>;
  };
  archive?: ArchiveHook;
  /**
   * A scheduled message comes due (SPEC §8): true when it may go (the control plane now records it as
   * sent), false when it was removed, from whichever node, while it was held.
   */
  releaseScheduled?: (scheduleId: string) => Promise<boolean>;
}

export interface WorkerOptions {
  /** Deliveries (one message, one domain) in progress at once. */
  concurrency: number;
  /** Longest sleep when nothing wakes the worker. */
  pollMs: number;
  /** Recipients claimed at a time. */
  batchSize?: number;
  /** How long a claimed recipient stays ours before it comes due again (should a node die with it). */
  leaseMs?: number;
  /** At close, how long deliveries in progress may take to finish before their recipients are released. */
  closeGraceMs?: number;
}

const DEFAULTS = { batchSize: 100, leaseMs: 10 * 60_000, closeGraceMs: 10_000 };
/** A scheduled message whose release the control plane could not answer is looked at again this much later. */
const SCHEDULE_RECHECK_MS = 30_000;
/** Message ids remembered as archived (a message's domains are delivered by separate jobs). */
const ARCHIVED_MEMORY = 10_000;

interface Running {
  group: DeliveryGroup;
  control: JobControl;
}

/** The part after the last @, lower case: what MX lookup and grouping go by. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

function claimKey(row: ClaimedRecipient): string {
  return `${row.messageId}\u0000${row.id}`;
}

/** One group per message, recipient kind and domain, in the order the rows came. */
export function groupRecipients(rows: readonly ClaimedRecipient[]): DeliveryGroup[] {
  const groups = new Map<string, DeliveryGroup>();
  for (const row of rows) {
    const domain = domainOf(row.address);
    const key = `${row.messageId}\u0000${row.kind}\u0000${domain}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { message: row.message, kind: row.kind, domain, recipients: [] }));
    group.recipients.push(row);
  }
  return [...groups.values()];
}

export class DeliveryWorker {
  private readonly options: Required<WorkerOptions>;
  private readonly jobDeps: JobDeps;
  private readonly backlog: DeliveryGroup[] = [];
  private readonly running = new Map<Promise<void>, Running>();
  /**
   * Recipients in the backlog or being delivered: a re-claim of one (lease over) is ignored. Keyed by
   * message id too: SQLite reuses the row id of a recipient deleted as its job records the outcome, so a
   * new message's recipient could otherwise be taken for one still here and left leased, undelivered.
   */
  private readonly claimed = new Set<string>();
  private readonly archived = new Set<string>();
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wakeUp: () => void = () => undefined;
  /** Wakes the loop when a paced destination may take its next message. */
  private pacingTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: WorkerDeps,
    options: WorkerOptions,
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.jobDeps = { ...deps, contexts: new MessageContexts(deps.queue, deps.logger) };
  }

  /** A message's subject as read at acceptance, so that its delivery events need not read it again. */
  rememberSubject(messageId: string, subject: string): void {
    this.jobDeps.contexts.rememberSubject(messageId, subject);
  }

  /** Deliveries in progress now (never more than the configured concurrency). */
  get activeDeliveries(): number {
    return this.running.size;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Something changed (a message was spooled): look at the queue now rather than at the next poll. */
  wake(): void {
    this.wakeUp();
  }

  /**
   * Stops taking work, gives back what was claimed but not started, lets deliveries in progress finish
   * (for closeGraceMs at most) and releases the recipients of those that did not, so that they are due
   * at once when the node starts again.
   */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.pacingTimer) clearTimeout(this.pacingTimer);
    this.wake();
    await this.loop;
    await this.release(this.backlog.splice(0), 'not started');
    const jobs = [...this.running.keys()];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(jobs),
      new Promise((resolve) => (timer = setTimeout(resolve, this.options.closeGraceMs))),
    ]);
    clearTimeout(timer);
    const unfinished = [...this.running.values()];
    for (const job of unfinished) job.control.abandoned = true;
    await this.release(
      unfinished.map((job) => job.group),
      'still in progress',
    );
    this.deps.delivery.close();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      // Made before looking at the queue, so a wake-up that comes while we look is not lost.
      const woken = new Promise<void>((resolve) => (this.wakeUp = resolve));
      this.startJobs();
      if (this.running.size >= this.options.concurrency) {
        await woken; // a delivery finishing wakes us
        continue;
      }
      if (this.claim() > 0) continue;
      await this.sleep(woken);
    }
  }

  /** Claims a batch of due recipients into the backlog; returns how many were new. */
  private claim(): number {
    let rows: ClaimedRecipient[];
    try {
      rows = this.deps.queue.claimDue({ limit: this.options.batchSize, leaseMs: this.options.leaseMs });
    } catch (err) {
      this.deps.logger.error({ err }, 'delivery: could not read the queue');
      return 0;
    }
    const fresh = rows.filter((row) => !this.claimed.has(claimKey(row)));
    for (const row of fresh) this.claimed.add(claimKey(row));
    const groups = groupRecipients(fresh);
    this.readSuppressions(groups);
    this.backlog.push(...groups);
    return fresh.length;
  }

  /**
   * One query per sender for a whole batch instead of one per delivery. Read as the batch is claimed:
   * a suppression added while a delivery waits its turn (seconds at most) applies from the next batch.
   */
  private readSuppressions(groups: DeliveryGroup[]): void {
    const bySender = new Map<string, DeliveryGroup[]>();
    for (const g of groups) {
      if (g.kind !== 'recipient' || g.message.settings === null) continue;
      const key = `${g.message.accountId}\u0000${g.message.username}`;
      const list = bySender.get(key);
      if (list) list.push(g);
      else bySender.set(key, [g]);
    }
    for (const senderGroups of bySender.values()) {
      const { accountId, username } = (senderGroups[0] as DeliveryGroup).message;
      const addresses = senderGroups.flatMap((g) => g.recipients.map((r) => r.address));
      const lookup = checkSuppressions(this.deps, accountId, username, addresses);
      for (const g of senderGroups) g.suppressions = lookup;
    }
  }

  private sleep(woken: Promise<void>): Promise<void> {
    let ms = this.options.pollMs;
    try {
      const due = this.deps.queue.nextDueAt();
      // Never a busy loop: a row due "now" that the claim skipped is ours already.
      if (due !== null) ms = Math.min(ms, Math.max(due - Date.now(), 10));
    } catch {
      // the claim that failed has logged it; poll again later
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      void woken.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Starts deliveries from the backlog, in order, skipping those whose destination is paced and must
   * wait (they stay in the backlog and hold no delivery slot, so other destinations flow meanwhile).
   */
  private startJobs(): void {
    const pacing = this.deps.delivery.pacing;
    let soonest = Infinity;
    for (let i = 0; i < this.backlog.length && this.running.size < this.options.concurrency;) {
      const wait = pacing?.reserve((this.backlog[i] as DeliveryGroup).domain) ?? 0;
      if (wait > 0) {
        soonest = Math.min(soonest, wait);
        i++;
        continue;
      }
      const group = this.backlog.splice(i, 1)[0] as DeliveryGroup;
      this.startJob(group);
    }
    if (soonest !== Infinity && !this.stopping) {
      if (this.pacingTimer) clearTimeout(this.pacingTimer);
      this.pacingTimer = setTimeout(() => {
        this.pacingTimer = null;
        this.wake();
      }, soonest);
      this.pacingTimer.unref();
    }
  }

  private startJob(group: DeliveryGroup): void {
    const control: JobControl = { abandoned: false };
    const job: Promise<void> = this.mayGo(group)
      .then(async (go) => {
        if (!go) return;
        await this.archiveOnce(group);
        await runDeliveryJob(this.jobDeps, group, control);
      })
      .catch((err: unknown) =>
        this.deps.logger.error({ err, messageId: group.message.id }, 'delivery: a delivery failed'),
      )
      .finally(() => {
        this.running.delete(job);
        for (const row of group.recipients) this.claimed.delete(claimKey(row));
        this.wake();
      });
    this.running.set(job, { group, control });
  }

  /**
   * Whether the group's message may be delivered now. A scheduled one asks the control plane (the
   * removal may have come through another node); a removed one leaves the spool undelivered, and one
   * that cannot be asked waits in the spool and is asked again later.
   */
  private async mayGo(group: DeliveryGroup): Promise<boolean> {
    const { message } = group;
    const release = this.deps.releaseScheduled;
    if (!release || !message.scheduleId) return true;
    let go: boolean;
    try {
      go = await release(message.scheduleId);
    } catch (err) {
      this.deps.logger.warn(
        { err, messageId: message.id, schedule: message.scheduleId },
        'delivery: could not ask whether a scheduled message was removed; asking again later',
      );
      await this.release([group], 'of a scheduled message', Date.now() + SCHEDULE_RECHECK_MS);
      return false;
    }
    if (go) return true;
    await this.deps.queue.purge({ messageIds: [message.id] });
    this.deps.logger.info(
      { messageId: message.id, schedule: message.scheduleId },
      'delivery: a scheduled message was removed before its time; dropped undelivered',
    );
    return false;
  }

  /** archive_enabled: the message as accepted, once, when its delivery first begins. */
  private async archiveOnce(group: DeliveryGroup): Promise<void> {
    const { message } = group;
    const archive = this.deps.archive;
    if (!archive || !message.settings?.archive_enabled || this.archived.has(message.id)) return;
    // First processing: no recipient of the message has been tried yet (on any earlier run either).
    const rows = this.deps.queue.recipientsOf(message.id);
    if (!rows.every((r) => r.attempts === 0)) return;
    this.archived.add(message.id);
    if (this.archived.size > ARCHIVED_MEMORY) {
      const oldest = this.archived.values().next().value;
      if (oldest !== undefined) this.archived.delete(oldest);
    }
    const context = this.jobDeps.contexts.acquire(message.id);
    try {
      const recipients = rows.filter((r) => r.kind === 'recipient').map((r) => r.address);
      await archive(message, () => this.deps.queue.openBody(message.id), await context.subject(), recipients);
    } catch (err) {
      this.deps.logger.error({ err, messageId: message.id }, 'delivery: could not archive the message');
    } finally {
      context.release();
    }
  }

  private async release(groups: DeliveryGroup[], why: string, at?: number): Promise<void> {
    const ids = groups.flatMap((g) => g.recipients.map((r) => r.id));
    if (ids.length === 0) return;
    try {
      await this.deps.queue.release(ids, at);
      this.deps.logger.info({ recipients: ids.length }, `delivery: released recipients ${why}`);
    } catch (err) {
      // They come due again when their lease ends.
      this.deps.logger.warn({ err, recipients: ids.length }, 'delivery: could not release recipients');
    }
  }
}
