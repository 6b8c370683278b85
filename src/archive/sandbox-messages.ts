// Sandboxed messages in the node's spool (SPEC §2.3): each one a message flagged sandbox whose recipients
// are `held`. Listed for /v3/sandbox/*, and removed once older than the sandbox retention.
import type { QueuedMessage, SpoolQueue } from '../spool/index.js';

export interface HeldMessage {
  message: QueuedMessage;
  /** The envelope recipients it was held for (audit copies are delivered, so not listed). */
  recipients: string[];
}

const PAGE = 1000;
const DAY_MS = 86_400_000;

/**
 * Every held message on this node, oldest first. The queue offers no index by account, so this reads all
 * held rows; the sandbox retention keeps that number bounded.
 */
export function listHeldMessages(queue: SpoolQueue): HeldMessage[] {
  const byId = new Map<string, HeldMessage | null>();
  let afterId = 0;
  for (;;) {
    const rows = queue.list({ states: ['held'], limit: PAGE, afterId });
    for (const row of rows) {
      let held = byId.get(row.messageId);
      if (held === undefined) {
        const message = queue.getMessage(row.messageId);
        held = message?.sandbox ? { message, recipients: [] } : null;
        byId.set(row.messageId, held);
      }
      held?.recipients.push(row.address);
    }
    const last = rows[rows.length - 1];
    if (rows.length < PAGE || last === undefined) break;
    afterId = last.id;
  }
  return [...byId.values()]
    .filter((h): h is HeldMessage => h !== null)
    .sort((a, b) => (a.message.id < b.message.id ? -1 : a.message.id > b.message.id ? 1 : 0));
}

/**
 * Removes the sandboxed messages accepted more than `retentionDays` ago; one whose audit copies are
 * still waiting for delivery is kept until they are done. Resolves to how many were removed.
 */
export async function purgeExpiredSandbox(
  queue: SpoolQueue,
  retentionDays: number,
  now: number = Date.now(),
): Promise<number> {
  const cutoff = now - retentionDays * DAY_MS;
  const expired = listHeldMessages(queue)
    .filter((h) => h.message.receivedAt < cutoff)
    .map((h) => h.message.id)
    .filter((id) => queue.recipientsOf(id).every((r) => r.state !== 'queued' && r.state !== 'deferred'));
  return expired.length === 0 ? 0 : queue.purge({ messageIds: expired });
}
