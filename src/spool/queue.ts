// The local delivery queue as the delivery worker and `petrel queue` see it: claim due recipients,
// record attempt results, list, retry and purge. Reads are direct; every change goes through the
// group committer, so it is durable before the promise resolves.
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { GroupCommitter } from './group-commit.js';
import { isMessageId } from './message-id.js';
import type { MessageRow, QueueDb, RecipientRow, RecipientState } from './queue-database.js';
import {
  toMessage,
  toRecipient,
  type AttemptOutcome,
  type ClaimedRecipient,
  type ListOptions,
  type QueuedMessage,
  type QueueEntry,
  type QueueRecipient,
  type StateCounts,
  noStateCounts,
} from './queue-entries.js';

export * from './queue-entries.js';

/**
 * `petrel queue retry` makes waiting mail due now, but not a scheduled message still waiting for its time
 * (SPEC §8): the sender asked for that time. Once tried and deferred, it is retried like any other.
 */
const NOT_HELD_FOR_SCHEDULE = `NOT (attempts = 0 AND message_id IN (SELECT id FROM messages WHERE schedule_id IS NOT NULL))`;
/** Messages removed per transaction by purge(). */
const PURGE_BATCH = 500;

const ALL_STATES: RecipientState[] = ['queued', 'deferred', 'delivered', 'bounced', 'held'];

export class SpoolQueue {
  private readonly stmt;
  private readonly leaseDue;

  constructor(
    private readonly db: QueueDb,
    private readonly committer: GroupCommitter,
    private readonly bodyDir: string,
  ) {
    this.stmt = {
      message: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?'),
      recipientsOf: db.prepare<[string], RecipientRow>(
        'SELECT * FROM recipients WHERE message_id = ? ORDER BY id',
      ),
      body: db.prepare<[string], { body_inline: number; data: Buffer | null }>(
        `SELECT m.body_inline, b.data FROM messages m LEFT JOIN bodies b ON b.message_id = m.id
         WHERE m.id = ?`,
      ),
      messageOf: db.prepare<[number], { message_id: string }>(
        'SELECT message_id FROM recipients WHERE id = ?',
      ),
      due: db.prepare<[number, number], { id: number }>(
        `SELECT id FROM recipients WHERE state IN ('queued', 'deferred') AND next_attempt_at <= ?
         ORDER BY next_attempt_at, id LIMIT ?`,
      ),
      lease: db.prepare<[number, number], RecipientRow>(
        `UPDATE recipients SET next_attempt_at = ?, claimed = 1
         WHERE id = ? AND state IN ('queued', 'deferred') RETURNING *`,
      ),
      delivered: db.prepare(
        `UPDATE recipients SET state = ?, attempts = attempts + 1, next_attempt_at = NULL, claimed = 0,
           last_reply = ?, updated_at = ? WHERE id = ?`,
      ),
      deferred: db.prepare(
        `UPDATE recipients SET state = 'deferred', attempts = attempts + 1, next_attempt_at = ?, claimed = 0,
           last_reply = ?, updated_at = ? WHERE id = ?`,
      ),
      retryAll: db.prepare(
        `UPDATE recipients SET next_attempt_at = ?, updated_at = ? WHERE state IN ('queued', 'deferred')
         AND ${NOT_HELD_FOR_SCHEDULE}`,
      ),
      retryMessage: db.prepare(
        `UPDATE recipients SET next_attempt_at = ?, updated_at = ?
         WHERE state IN ('queued', 'deferred') AND message_id = ? AND ${NOT_HELD_FOR_SCHEDULE}`,
      ),
      release: db.prepare(
        `UPDATE recipients SET next_attempt_at = ?, claimed = 0 WHERE id = ? AND state IN ('queued', 'deferred')`,
      ),
      releaseAllClaims: db.prepare(
        `UPDATE recipients SET next_attempt_at = ?, claimed = 0
         WHERE claimed = 1 AND state IN ('queued', 'deferred')`,
      ),
      nextDue: db.prepare<[], { at: number | null }>(
        `SELECT min(next_attempt_at) AS at FROM recipients WHERE state IN ('queued', 'deferred')`,
      ),
      deleteMessage: db.prepare<[string]>('DELETE FROM messages WHERE id = ?'),
      fileBodies: db.prepare<[], { id: string }>('SELECT id FROM messages WHERE body_inline = 0'),
      allIds: db.prepare<[], { id: string; body_inline: number }>('SELECT id, body_inline FROM messages'),
      unfinished: db.prepare<[string], { n: number }>(
        `SELECT count(*) AS n FROM recipients
         WHERE message_id = ? AND state IN ('queued', 'deferred', 'held')`,
      ),
      counts: db.prepare<[], { state: RecipientState; n: number }>(
        'SELECT state, count(*) AS n FROM recipients GROUP BY state',
      ),
      messageCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM messages'),
    };
    this.leaseDue = db.transaction((ids: { id: number }[], leaseUntil: number) =>
      ids.flatMap(({ id }) => this.stmt.lease.all(leaseUntil, id)),
    );
  }

  getMessage(id: string): QueuedMessage | undefined {
    const row = this.stmt.message.get(id);
    return row ? toMessage(row) : undefined;
  }

  recipientsOf(messageId: string): QueueRecipient[] {
    return this.stmt.recipientsOf.all(messageId).map(toRecipient);
  }

  /** The message as stored (Received header first), whether it lives inline or in a body file. */
  openBody(messageId: string): Readable {
    const row = this.stmt.body.get(messageId);
    if (!row) throw new Error(`no message ${messageId} in the spool`);
    if (row.body_inline === 1) {
      if (!row.data) throw new Error(`message ${messageId} has lost its inline body`);
      return Readable.from([row.data]);
    }
    return createReadStream(this.bodyPath(messageId));
  }

  bodyPath(messageId: string): string {
    if (!isMessageId(messageId)) throw new Error(`not a message id: ${messageId}`);
    return join(this.bodyDir, messageId);
  }

  /**
   * Takes up to `limit` due recipients (queued or deferred, next attempt at or before `now`) and
   * leases them: their next attempt moves to now + leaseMs, so a worker that dies mid-delivery lets
   * them come due again instead of losing them. The lease is not synced: losing it in a crash only
   * makes the row due sooner.
   *
   * The due rows are read first and leased one by one in a transaction, and nothing is written when
   * none is due: the worker looks after every finished delivery, and most looks find nothing new. (One
   * `UPDATE … WHERE id IN (SELECT … LIMIT)` cost SQLite 0.2–0.4 ms even when it matched no row, 20
   * times the read; it was a fifth of a worker's CPU end to end.)
   */
  claimDue(options: { limit: number; leaseMs: number; now?: number }): ClaimedRecipient[] {
    const now = options.now ?? Date.now();
    const due = this.stmt.due.all(now, options.limit);
    const rows = due.length === 0 ? [] : this.leaseDue(due, now + options.leaseMs);
    const messages = new Map<string, QueuedMessage>();
    return rows.map((row) => {
      let message = messages.get(row.message_id);
      if (!message) {
        const m = this.stmt.message.get(row.message_id);
        if (!m) throw new Error(`recipient ${row.id} refers to a missing message ${row.message_id}`);
        message = toMessage(m);
        messages.set(message.id, message);
      }
      return { ...toRecipient(row), message };
    });
  }

  /**
   * Records delivery attempts (each adds one to `attempts`); resolves once durable. With
   * `removeFinished`, a message none of whose recipients still waits leaves the spool in the same
   * transaction; resolves to the ids of the messages removed.
   */
  async recordAttempts(
    outcomes: AttemptOutcome[],
    now: number = Date.now(),
    options: { removeFinished?: boolean } = {},
  ): Promise<string[]> {
    const removed = await this.committer.write(() => {
      for (const o of outcomes) {
        if (o.result === 'deferred') this.stmt.deferred.run(o.nextAttemptAt, o.reply, now, o.recipientId);
        else this.stmt.delivered.run(o.result, o.reply, now, o.recipientId);
      }
      if (!options.removeFinished) return [];
      const messageIds = new Set(outcomes.map((o) => this.stmt.messageOf.get(o.recipientId)?.message_id));
      const gone: { id: string; bodyInline: boolean }[] = [];
      for (const id of messageIds) {
        if (id === undefined || (this.stmt.unfinished.get(id)?.n ?? 0) > 0) continue;
        const bodyInline = this.stmt.message.get(id)?.body_inline === 1;
        if (this.stmt.deleteMessage.run(id).changes > 0) gone.push({ id, bodyInline });
      }
      return gone;
    });
    // After the rows are durably gone, as purge() does.
    await Promise.all(
      removed.filter((m) => !m.bodyInline).map((m) => rm(this.bodyPath(m.id), { force: true })),
    );
    return removed.map((m) => m.id);
  }

  /**
   * Gives leased recipients back (a worker stopping before it could try them): due at `at` instead of
   * at the end of their lease. Rows that became final meanwhile are left alone.
   */
  release(recipientIds: number[], at: number = Date.now()): Promise<void> {
    if (recipientIds.length === 0) return Promise.resolve();
    return this.committer.write(() => {
      for (const id of recipientIds) this.stmt.release.run(at, id);
    });
  }

  /**
   * Makes every recipient claimed by a delivery worker due at `at`. Only for a node opening its spool
   * (it holds the lock, so any claim left is a dead process's); returns how many were released.
   */
  releaseAllClaims(at: number = Date.now()): number {
    return this.stmt.releaseAllClaims.run(at).changes;
  }

  /** When the next queued or deferred recipient comes due (ms since the epoch), or null when none waits. */
  nextDueAt(): number | null {
    return this.stmt.nextDue.get()?.at ?? null;
  }

  /** True when no recipient of the message is still waiting (queued, deferred or held). */
  isFinished(messageId: string): boolean {
    return (this.stmt.unfinished.get(messageId)?.n ?? 0) === 0;
  }

  list(options: ListOptions = {}): QueueEntry[] {
    const states = options.states ?? ['queued', 'deferred'];
    for (const s of states) if (!ALL_STATES.includes(s)) throw new Error(`unknown queue state '${s}'`);
    const params: (string | number)[] = [...states, options.afterId ?? 0];
    let where = `r.state IN (${states.map(() => '?').join(', ')}) AND r.id > ?`;
    if (options.messageId !== undefined) {
      where += ' AND r.message_id = ?';
      params.push(options.messageId);
    }
    params.push(Math.max(1, Math.min(options.limit ?? 100, 10_000)));
    const rows = this.db
      .prepare<
        (string | number)[],
        RecipientRow & { mail_from: string; username: string; received_at: number; sandbox: number }
      >(
        `SELECT r.*, m.mail_from, m.username, m.received_at, m.sandbox
         FROM recipients r JOIN messages m ON m.id = r.message_id
         WHERE ${where} ORDER BY r.id LIMIT ?`,
      )
      .all(...params);
    return rows.map((row) => ({
      ...toRecipient(row),
      mailFrom: row.mail_from,
      username: row.username,
      receivedAt: row.received_at,
      sandbox: row.sandbox === 1,
    }));
  }

  /** Makes queued/deferred recipients (of one message, or all) due now; resolves to how many. */
  retry(options: { messageId?: string } = {}, now: number = Date.now()): Promise<number> {
    return this.committer.write(() =>
      options.messageId === undefined
        ? this.stmt.retryAll.run(now, now).changes
        : this.stmt.retryMessage.run(now, now, options.messageId).changes,
    );
  }

  /**
   * Removes messages with their rows and bodies: the given ones, or every message when `all` is set.
   * Resolves to the number of messages removed.
   */
  async purge(
    options: { messageIds?: string[]; all?: boolean },
    onProgress?: (removed: number, total: number) => void,
  ): Promise<number> {
    const targets =
      options.all === true
        ? this.stmt.allIds.all()
        : (options.messageIds ?? [])
            .map((id) => this.stmt.message.get(id))
            .filter((m): m is MessageRow => m !== undefined)
            .map((m) => ({ id: m.id, body_inline: m.body_inline }));
    let removed = 0;
    // In batches, each durable, so a large purge reports progress and never holds one huge transaction.
    for (let i = 0; i < targets.length; i += PURGE_BATCH) {
      const batch = targets.slice(i, i + PURGE_BATCH);
      removed += await this.committer.write(() => {
        let n = 0;
        for (const t of batch) n += this.stmt.deleteMessage.run(t.id).changes;
        return n;
      });
      // After the rows are durably gone: a file left by a crash here is an orphan, removed at next open.
      await Promise.all(
        batch.filter((t) => t.body_inline === 0).map((t) => rm(this.bodyPath(t.id), { force: true })),
      );
      onProgress?.(Math.min(i + batch.length, targets.length), targets.length);
    }
    return removed;
  }

  counts(): StateCounts {
    const counts = noStateCounts();
    for (const row of this.stmt.counts.all()) counts[row.state] = row.n;
    return counts;
  }

  messageCount(): number {
    return this.stmt.messageCount.get()?.n ?? 0;
  }

  /** Ids of the messages whose body is a file (for the orphan sweep at open). */
  fileBodyIds(): Set<string> {
    return new Set(this.stmt.fileBodies.all().map((r) => r.id));
  }
}
