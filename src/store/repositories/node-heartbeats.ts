// Node heartbeats (migration 019): each `petrel serve` upserts its row periodically; `petrel status`
// reads this node's row and, with a shared PostgreSQL database, lists the nodes seen recently.
import type { Kysely, Selectable } from 'kysely';
import type { Database, NodeHeartbeatsTable } from '../tables.js';

export type NodeHeartbeatRow = Selectable<NodeHeartbeatsTable>;

export function nodeHeartbeatsRepository(db: Kysely<Database>) {
  return {
    async beat(row: NodeHeartbeatRow): Promise<void> {
      const { node_id: _id, started_at: _started, ...changes } = row;
      await db
        .insertInto('node_heartbeats')
        .values(row)
        .onConflict((oc) => oc.column('node_id').doUpdateSet({ ...changes, started_at: row.started_at }))
        .execute();
    },
    async find(nodeId: string): Promise<NodeHeartbeatRow | undefined> {
      return db.selectFrom('node_heartbeats').selectAll().where('node_id', '=', nodeId).executeTakeFirst();
    },
    /** The nodes whose last heartbeat is at or after `since` (ISO time), by name. */
    async seenSince(since: string): Promise<NodeHeartbeatRow[]> {
      return db
        .selectFrom('node_heartbeats')
        .selectAll()
        .where('seen_at', '>=', since)
        .orderBy('node_id')
        .execute();
    },
  };
}

export type NodeHeartbeatsRepository = ReturnType<typeof nodeHeartbeatsRepository>;
