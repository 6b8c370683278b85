// Group commit for the queue database: every durable write (a newly accepted message, a delivery
// result, an operator's retry) joins the next batch; one SQLite transaction and one fdatasync of the
// WAL then make the whole batch durable, and only then is each writer's promise resolved.
import { open, type FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import { isDiskFull } from './disk-errors.js';
import type { DurabilityMode, QueueDb } from './queue-database.js';

export interface CommitStats {
  /** Writes made durable (each accept is one write). */
  writes: number;
  /** SQLite transactions committed; writes / commits is the mean batch size. */
  commits: number;
  /** fdatasync calls on the WAL (wal-fdatasync mode); SQLite's own fsyncs are not counted. */
  walSyncs: number;
  /** fsync calls on the body directory (only batches holding a new body file need one). */
  dirSyncs: number;
}

export interface WriteOptions {
  /** The write refers to a new file in the body directory, whose entry must be durable first. */
  dirSync?: boolean;
  /** Undoes the write if the batch cannot be made durable after it committed (a failed fdatasync). */
  undo?: () => void;
}

/** What the committer syncs: the WAL's file handle (a test seam may hand it a failing one). */
export type SyncHandle = Pick<FileHandle, 'datasync' | 'close'>;
export type OpenForSync = (path: string) => Promise<SyncHandle>;

interface PendingWrite {
  run: () => unknown;
  options: WriteOptions;
  /** What `run` returned; handed to the writer only once the batch is durable. */
  result?: unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface BatchOutcome {
  ok: PendingWrite[];
  failed: Map<PendingWrite, unknown>;
}

// A bound on one transaction keeps the event loop responsive under a burst: a larger backlog simply
// becomes several consecutive batches.
export const DEFAULT_MAX_BATCH = 512;

export class GroupCommitter {
  readonly stats: CommitStats = { writes: 0, commits: 0, walSyncs: 0, dirSyncs: 0 };
  private pending: PendingWrite[] = [];
  private flushing = false;
  private scheduled = false;
  private walHandle: SyncHandle | null = null;
  private dirHandle: FileHandle | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly runBatch: (batch: PendingWrite[]) => BatchOutcome;

  constructor(
    private readonly db: QueueDb,
    private readonly walPath: string,
    private readonly bodyDir: string,
    private readonly mode: DurabilityMode,
    private readonly logger: Logger,
    /** Writes per transaction at most; 1 turns group commit off (for measuring what it saves). */
    private readonly maxBatch: number = DEFAULT_MAX_BATCH,
    /** Opens the WAL for its fdatasync; a test seam, so that a failing sync can be shown to lose nothing. */
    private readonly openForSync: OpenForSync = (path) => open(path, 'r'),
  ) {
    // The common case: every write of the batch in one plain transaction.
    const allAtOnce = db.transaction((batch: PendingWrite[]): BatchOutcome => {
      for (const w of batch) w.result = w.run();
      return { ok: batch, failed: new Map() };
    });
    // After a write threw for its own reasons (a constraint), the batch is run again with each write
    // in a savepoint, so only that write is refused; a full disk still aborts the whole batch.
    const inSavepoint = db.transaction((w: PendingWrite) => w.run());
    const oneByOne = db.transaction((batch: PendingWrite[]): BatchOutcome => {
      const ok: PendingWrite[] = [];
      const failed = new Map<PendingWrite, unknown>();
      for (const w of batch) {
        try {
          w.result = inSavepoint(w);
          ok.push(w);
        } catch (err) {
          if (isDiskFull(err)) throw err;
          failed.set(w, err);
        }
      }
      return { ok, failed };
    });
    this.runBatch = (batch) => {
      try {
        return allAtOnce(batch);
      } catch (err) {
        if (isDiskFull(err) || batch.length === 1) throw err;
        return oneByOne(batch);
      }
    };
  }

  /** Runs `run` (synchronous SQLite statements) in the next batch; resolves once it is durable. */
  write<T>(run: () => T, options: WriteOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, options, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Resolves once nothing is pending or in flight. */
  idle(): Promise<void> {
    if (!this.flushing && !this.scheduled && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.idle();
    await this.walHandle?.close();
    await this.dirHandle?.close();
    this.walHandle = null;
    this.dirHandle = null;
  }

  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a timer: every write that became ready in this turn of the event loop (all
    // the sessions whose data arrived together) joins the batch, without adding a fixed delay.
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    const batch = this.pending.splice(0, this.maxBatch);
    try {
      await this.commit(batch);
    } finally {
      this.flushing = false;
      if (this.pending.length > 0) this.schedule();
      else for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async commit(batch: PendingWrite[]): Promise<void> {
    try {
      if (batch.some((w) => w.options.dirSync)) {
        // Body files are fdatasync'd by their writers; their directory entries become durable here,
        // before any row that names them can.
        this.dirHandle ??= await open(this.bodyDir, 'r');
        await this.dirHandle.sync();
        this.stats.dirSyncs++;
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }

    let result: BatchOutcome;
    try {
      result = this.runBatch(batch);
      this.stats.commits++;
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    for (const [w, err] of result.failed) w.reject(err);

    if (this.mode === 'wal-fdatasync' && result.ok.length > 0) {
      try {
        this.walHandle ??= await this.openForSync(this.walPath);
        await this.walHandle.datasync();
        this.stats.walSyncs++;
      } catch (err) {
        this.logger.error({ err, writes: result.ok.length }, 'spool: fdatasync of the queue WAL failed');
        this.undo(result.ok);
        for (const w of result.ok) w.reject(err);
        return;
      }
    }
    this.stats.writes += result.ok.length;
    for (const w of result.ok) w.resolve(w.result);
  }

  private undo(writes: PendingWrite[]): void {
    try {
      this.db.transaction(() => {
        for (const w of writes) w.options.undo?.();
      })();
    } catch (err) {
      this.logger.error({ err }, 'spool: could not undo a batch that failed to sync');
    }
  }
}
