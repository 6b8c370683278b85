// The node's durable spool: accept() streams a message to disk and resolves only when its body and
// queue rows are fsync'd, sharing syncs between concurrent sessions through the group committer.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { hostname as machineHostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { openBodyFileDefault, receiveBody, type OpenBodyFile } from './body-receiver.js';
import { isDiskFull } from './disk-errors.js';
import { GroupCommitter, type CommitStats, type OpenForSync } from './group-commit.js';
import { takeSpoolLock } from './lock-file.js';
import { newMessageId } from './message-id.js';
import { openQueueDatabase, type DurabilityMode, type QueueDb } from './queue-database.js';
import { SpoolQueue } from './queue.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { buildReceivedHeader } from './received-header.js';
import {
  SpoolFullError,
  type AcceptedMessage,
  type AcceptOptions,
  type Spool,
  type SpoolEnvelope,
} from './types.js';

export interface SpoolOptions {
  /** The node's name in the Received header (`by <hostname>`); default: the machine's host name. */
  hostname?: string;
  /**
   * Messages up to this many stored bytes are kept inside the queue database, so one WAL sync covers
   * body and rows together; larger ones get a body file. Default 64 KiB; 0 puts every body in a file.
   */
  inlineMaxBytes?: number;
  /** How commits are made durable (see queue-database.ts); default 'wal-fdatasync'. */
  durability?: DurabilityMode;
  /** Writes per group commit at most (default 512); 1 disables group commit, for measurement. */
  maxBatch?: number;
  /** Test seam: opens body files, so a test can make writes fail as a full disk would. */
  openBodyFile?: OpenBodyFile;
  /** Test seam: opens the queue's WAL for its fdatasync, so a test can make the sync fail. */
  openForSync?: OpenForSync;
}

/** Told of each message once it is durably stored (e.g. to wake the delivery worker, record events). */
/** What an accept listener is told: the message, and its stored bytes without reading them back when inline. */
export interface StoredMessage extends AcceptedMessage {
  /** The whole message as stored, when the spool keeps it inline (in memory now); else null. */
  inlineBody: Buffer | null;
  openBody(): Readable;
}

export type AcceptListener = (message: StoredMessage, envelope: SpoolEnvelope) => void;

/** The spool as the composition root sees it: intake plus the queue the delivery worker drives. */
export interface DurableSpool extends Spool {
  readonly dir: string;
  readonly queue: SpoolQueue;
  /** Warm-up counts and delayed-notice marks (SPEC §9), in the queue database. */
  readonly ledger: DeliveryLedger;
  /** Calls `listener` for each message once it is durable (before the 250); returns its remover. */
  onAccepted(listener: AcceptListener): () => void;
  /** Counters of the group committer (commits, syncs), for tests, metrics and the benchmark. */
  commitStats(): CommitStats;
}

/** The queue alone, for tools running beside a live server (`petrel queue`). */
export interface SpoolAdmin {
  readonly queue: SpoolQueue;
  close(): Promise<void>;
}

export const DEFAULT_INLINE_MAX_BYTES = 64 * 1024;

/** Where a node keeps its spool inside its data directory. */
export function spoolDirectory(dataDir: string): string {
  return join(dataDir, 'spool');
}

interface Paths {
  dir: string;
  db: string;
  wal: string;
  bodies: string;
  lock: string;
}

/** The lock file a serving process holds in its spool directory (lock-file.ts). */
export function spoolLockFile(dir: string): string {
  return join(dir, 'lock');
}

function spoolPaths(dir: string): Paths {
  const db = join(dir, 'queue.db');
  return { dir, db, wal: `${db}-wal`, bodies: join(dir, 'bodies'), lock: spoolLockFile(dir) };
}

class Storage {
  readonly db: QueueDb;
  readonly committer: GroupCommitter;
  readonly queue: SpoolQueue;
  readonly ledger: DeliveryLedger;

  constructor(
    paths: Paths,
    durability: DurabilityMode,
    logger: Logger,
    maxBatch?: number,
    openForSync?: OpenForSync,
  ) {
    mkdirSync(paths.bodies, { recursive: true, mode: 0o700 });
    this.db = openQueueDatabase(paths.db, durability);
    this.committer = new GroupCommitter(
      this.db,
      paths.wal,
      paths.bodies,
      durability,
      logger,
      maxBatch,
      openForSync,
    );
    this.queue = new SpoolQueue(this.db, this.committer, paths.bodies);
    this.ledger = new DeliveryLedger(this.db, this.committer);
  }

  async close(): Promise<void> {
    await this.committer.close();
    this.db.close();
  }
}

/**
 * Body files without a message row are what a crash (or a failed accept) left behind before its
 * commit: never acknowledged, so they are removed.
 */
function sweepOrphans(paths: Paths, queue: SpoolQueue, logger: Logger): void {
  const known = queue.fileBodyIds();
  let removed = 0;
  for (const name of readdirSync(paths.bodies)) {
    if (known.has(name)) continue;
    rmSync(join(paths.bodies, name), { force: true, recursive: true });
    removed++;
  }
  if (removed > 0) logger.info({ removed }, 'spool: removed body files of unacknowledged messages');
}

class DiskSpool implements DurableSpool {
  private closed = false;
  private inFlight = new Set<Promise<unknown>>();
  private readonly listeners = new Set<AcceptListener>();
  private readonly insertMessage;
  private readonly insertBody;
  private readonly insertRecipient;
  private readonly deleteMessage;
  private readonly hostname: string;
  private readonly inlineMaxBytes: number;
  private readonly openBodyFile: OpenBodyFile;

  constructor(
    readonly dir: string,
    private readonly storage: Storage,
    private readonly releaseLock: () => void,
    private readonly logger: Logger,
    options: SpoolOptions,
  ) {
    this.hostname = options.hostname ?? machineHostname();
    this.inlineMaxBytes = options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES;
    this.openBodyFile = options.openBodyFile ?? openBodyFileDefault;
    const db = storage.db;
    this.insertMessage = db.prepare(
      `INSERT INTO messages (id, received_at, mail_from, sender_kind, username, account_id,
         client_address, client_helo, tls, sandbox, size, body_inline, settings, schedule_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertBody = db.prepare('INSERT INTO bodies (message_id, data) VALUES (?, ?)');
    this.insertRecipient = db.prepare(
      `INSERT INTO recipients (message_id, address, kind, state, next_attempt_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.deleteMessage = db.prepare('DELETE FROM messages WHERE id = ?');
  }

  get queue(): SpoolQueue {
    return this.storage.queue;
  }

  get ledger(): DeliveryLedger {
    return this.storage.ledger;
  }

  commitStats(): CommitStats {
    return { ...this.storage.committer.stats };
  }

  onAccepted(listener: AcceptListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  accept(envelope: SpoolEnvelope, body: Readable, options: AcceptOptions): Promise<AcceptedMessage> {
    const work = this.acceptMessage(envelope, body, options);
    this.inFlight.add(work);
    const forget = (): void => void this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  private async acceptMessage(
    envelope: SpoolEnvelope,
    body: Readable,
    options: AcceptOptions,
  ): Promise<AcceptedMessage> {
    if (this.closed || envelope.recipients.length + envelope.auditRecipients.length === 0) {
      body.resume(); // whatever happens, the client's DATA is read to its end
      throw new Error(this.closed ? 'the spool is closed' : 'a message needs at least one recipient');
    }
    const receivedAt = new Date();
    const id = newMessageId(receivedAt.getTime());
    const header = buildReceivedHeader({
      clientHelo: envelope.clientHelo,
      clientAddress: envelope.clientAddress,
      hostname: this.hostname,
      via: envelope.senderKind,
      tls: envelope.tls,
      authenticated: envelope.authenticated ?? envelope.senderKind === 'smtp',
      id,
      date: receivedAt,
    });
    const filePath = this.storage.queue.bodyPath(id);
    const received = await receiveBody(body, {
      prefix: Buffer.from(header, 'utf8'),
      maxBytes: options.maxBytes,
      inlineMaxBytes: this.inlineMaxBytes,
      filePath,
      openBodyFile: this.openBodyFile,
    });

    const now = receivedAt.getTime();
    const settings = envelope.settings === undefined ? null : JSON.stringify(envelope.settings);
    try {
      await this.storage.committer.write(
        () => {
          this.insertMessage.run(
            id,
            now,
            envelope.mailFrom,
            envelope.senderKind,
            envelope.username,
            envelope.accountId,
            envelope.clientAddress,
            envelope.clientHelo,
            envelope.tls ? 1 : 0,
            envelope.sandbox ? 1 : 0,
            received.size,
            received.kind === 'inline' ? 1 : 0,
            settings,
            envelope.schedule?.id ?? null,
          );
          if (received.kind === 'inline') this.insertBody.run(id, received.data);
          const state = envelope.sandbox ? 'held' : 'queued';
          // A scheduled message's recipients first come due at its time: the claim query holds them.
          const due = envelope.schedule?.at ?? now;
          for (const address of envelope.recipients) {
            this.insertRecipient.run(id, address, 'recipient', state, envelope.sandbox ? null : due, now);
          }
          for (const address of envelope.auditRecipients) {
            this.insertRecipient.run(id, address, 'audit', 'queued', due, now);
          }
        },
        { dirSync: received.kind === 'file', undo: () => this.deleteMessage.run(id) },
      );
    } catch (err) {
      if (received.kind === 'file') rmSync(filePath, { force: true });
      if (isDiskFull(err)) throw new SpoolFullError();
      this.logger.error({ err, id }, 'spool: could not store a message');
      throw err;
    }
    const accepted = { id, size: received.size };
    const inlineBody = received.kind === 'inline' ? received.data : null;
    const stored: StoredMessage = {
      ...accepted,
      inlineBody,
      openBody: () => (inlineBody ? Readable.from([inlineBody]) : this.storage.queue.openBody(id)),
    };
    for (const listener of this.listeners) {
      try {
        listener(stored, envelope);
      } catch (err) {
        // A listener's failure is its own: the message is stored and the client gets its 250.
        this.logger.error({ err, id }, 'spool: an accept listener failed');
      }
    }
    return accepted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.storage.close();
    this.releaseLock();
    this.logger.info({ dir: this.dir, ...this.storage.committer.stats }, 'spool: closed');
  }
}

/**
 * Opens the spool in `dir` (normally spoolDirectory(dataDir)) for a serving node: takes the lock,
 * recovers the queue database, removes what a crash left half-written, and starts accepting.
 */
export async function openSpool(
  dir: string,
  logger: Logger,
  options: SpoolOptions = {},
): Promise<DurableSpool> {
  const paths = spoolPaths(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const releaseLock = takeSpoolLock(paths.lock);
  let storage: Storage;
  try {
    storage = new Storage(
      paths,
      options.durability ?? 'wal-fdatasync',
      logger,
      options.maxBatch,
      options.openForSync,
    );
  } catch (err) {
    releaseLock();
    throw err;
  }
  try {
    sweepOrphans(paths, storage.queue, logger);
    // Recipients a crashed process had claimed are due now, not when its claim would have expired.
    const released = storage.queue.releaseAllClaims();
    if (released > 0) logger.warn({ recipients: released }, 'spool: released the claims of a previous run');
  } catch (err) {
    await storage.close();
    releaseLock();
    throw err;
  }
  logger.info(
    { dir, messages: storage.queue.messageCount(), recipients: storage.queue.counts() },
    'spool: open',
  );
  return new DiskSpool(dir, storage, releaseLock, logger, options);
}

/**
 * Opens only the queue of a spool, beside a server that may be running (for `petrel queue`): no
 * lock, no sweep, no intake. Changes it makes are durable and seen by the server at its next poll.
 */
export function openSpoolAdmin(dir: string, logger: Logger): Promise<SpoolAdmin> {
  const storage = new Storage(spoolPaths(dir), 'wal-fdatasync', logger);
  return Promise.resolve({ queue: storage.queue, close: () => storage.close() });
}
