// Delivery bookkeeping kept in the node's queue database beside the queue (SPEC §9): warm-up counts per
// pool address, and which messages have had their one "delayed" notice. Writes go through the group
// committer, so they are durable when the promise resolves and survive a restart.
import type { GroupCommitter } from './group-commit.js';
import type { MessageRow, QueueDb, RecipientRow } from './queue-database.js';
import { toMessage, toRecipient, type QueuedMessage, type QueueRecipient } from './queue-entries.js';

/** One warmed-up address: when it was first used, and how much it sent on its current day. */
export interface WarmupUsage {
  address: string;
  /** Milliseconds since the epoch. */
  firstUsedAt: number;
  /** Day number counted from the first use (1 = the first 24 hours). */
  day: number;
  sent: number;
}

export interface DelayedMessage {
  message: QueuedMessage;
  /** The sender's recipients still queued or deferred. */
  pending: QueueRecipient[];
}

export class DeliveryLedger {
  private readonly stmt;

  constructor(
    db: QueueDb,
    private readonly committer: GroupCommitter,
  ) {
    this.stmt = {
      usage: db.prepare<[], { address: string; first_used_at: number; day: number; sent: number }>(
        'SELECT * FROM warmup_usage',
      ),
      saveUsage: db.prepare(
        `INSERT INTO warmup_usage (address, first_used_at, day, sent) VALUES (?, ?, ?, ?)
         ON CONFLICT (address) DO UPDATE SET day = excluded.day, sent = excluded.sent`,
      ),
      // Petrel's own messages (settings NULL) never get a notice; sandboxed mail is never delivered.
      delayed: db.prepare<{ before: number; limit: number }, MessageRow>(
        `SELECT m.* FROM messages m
         WHERE m.received_at <= @before AND m.settings IS NOT NULL AND m.sandbox = 0
           AND NOT EXISTS (SELECT 1 FROM delay_notices d WHERE d.message_id = m.id)
           AND EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = m.id AND r.kind = 'recipient'
                       AND r.state IN ('queued', 'deferred'))
         ORDER BY m.received_at LIMIT @limit`,
      ),
      pending: db.prepare<[string], RecipientRow>(
        `SELECT * FROM recipients WHERE message_id = ? AND kind = 'recipient'
           AND state IN ('queued', 'deferred') ORDER BY id`,
      ),
      mark: db.prepare(
        `INSERT INTO delay_notices (message_id, sent_at) SELECT id, ? FROM messages WHERE id = ?
         ON CONFLICT (message_id) DO NOTHING`,
      ),
    };
  }

  warmupUsage(): WarmupUsage[] {
    return this.stmt.usage.all().map((r) => ({
      address: r.address,
      firstUsedAt: r.first_used_at,
      day: r.day,
      sent: r.sent,
    }));
  }

  saveWarmupUsage(u: WarmupUsage): Promise<void> {
    return this.committer.write(() => {
      this.stmt.saveUsage.run(u.address, u.firstUsedAt, u.day, u.sent);
    });
  }

  /** Messages received at or before `receivedBefore` that still wait and have had no delayed notice. */
  delayedMessages(receivedBefore: number, limit: number): DelayedMessage[] {
    return this.stmt.delayed.all({ before: receivedBefore, limit }).map((row) => ({
      message: toMessage(row),
      pending: this.stmt.pending.all(row.id).map(toRecipient),
    }));
  }

  /**
   * Records that the message's delayed notice is sent; resolves true only for the call that recorded
   * it (false: already recorded, or the message is gone), so that one notice at most goes out.
   */
  markDelayNotice(messageId: string, at: number = Date.now()): Promise<boolean> {
    return this.committer.write(() => this.stmt.mark.run(at, messageId).changes > 0);
  }
}
