// Every spool queue of a node, for the API's reads of held messages (sandbox/search, sandbox/view and
// their download links): under PETREL_WORKERS a message sits in the shard of the worker that accepted it,
// while the request may land on any worker (docs/workers.md). The other shards are opened as operator
// tools open them (no lock, reads only here) when first needed, and kept open.
import type { Logger } from 'pino';
import { existingShards } from './shards.js';
import { openSpoolAdmin, type SpoolAdmin } from './spool.js';
import type { QueuedMessage, SpoolQueue } from './queue.js';

export interface NodeQueues {
  /** This process's own queue first, then the node's other shards'. */
  all(): Promise<SpoolQueue[]>;
  /** The message and the queue that holds it, from whichever shard has it. */
  find(messageId: string): Promise<{ queue: SpoolQueue; message: QueuedMessage } | null>;
  close(): Promise<void>;
}

export function nodeQueues(
  own: SpoolQueue,
  shard: { dataDir: string; index: number; count: number },
  logger: Logger,
): NodeQueues {
  const others = new Map<number, SpoolAdmin>();
  const all = async (): Promise<SpoolQueue[]> => {
    if (shard.count > 1) {
      for (const { index, dir } of existingShards(shard.dataDir)) {
        if (index !== shard.index && !others.has(index)) others.set(index, await openSpoolAdmin(dir, logger));
      }
    }
    return [own, ...[...others.values()].map((admin) => admin.queue)];
  };
  return {
    all,
    async find(messageId) {
      for (const queue of await all()) {
        const message = queue.getMessage(messageId);
        if (message) return { queue, message };
      }
      return null;
    },
    async close() {
      for (const admin of others.values()) await admin.close();
      others.clear();
    },
  };
}
