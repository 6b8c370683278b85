// IP allow lists (SPEC §8 "Restrictions"): per account, one for its API keys ('api') and one for its SMTP
// logins ('smtp'), each enabled or not. `permits` is the one indexed query of the hot path.
import type { Kysely } from 'kysely';
import type { Database } from '../tables.js';

export type IpAllowListType = 'api' | 'smtp';

export interface IpAllowEntry {
  network: string;
  start: string;
  end: string;
  description: string;
}

export function ipAllowListsRepository(db: Kysely<Database>) {
  return {
    async get(
      accountId: string,
      type: IpAllowListType,
    ): Promise<{ enabled: boolean; entries: IpAllowEntry[] }> {
      const head = await db
        .selectFrom('ip_allow_lists')
        .select('enabled')
        .where('account_id', '=', accountId)
        .where('type', '=', type)
        .executeTakeFirst();
      const rows = await db
        .selectFrom('ip_allow_entries')
        .select(['network', 'range_start', 'range_end', 'description'])
        .where('account_id', '=', accountId)
        .where('type', '=', type)
        .orderBy('range_start')
        .execute();
      return {
        enabled: Boolean(head?.enabled),
        entries: rows.map((r) => ({
          network: r.network,
          start: r.range_start,
          end: r.range_end,
          description: r.description,
        })),
      };
    },

    async setEnabled(accountId: string, type: IpAllowListType, enabled: boolean): Promise<void> {
      const value = enabled ? 1 : 0;
      await db
        .insertInto('ip_allow_lists')
        .values({ account_id: accountId, type, enabled: value })
        .onConflict((oc) => oc.columns(['account_id', 'type']).doUpdateSet({ enabled: value }))
        .execute();
    },

    async insert(accountId: string, type: IpAllowListType, entry: IpAllowEntry, now: string): Promise<void> {
      await db
        .insertInto('ip_allow_entries')
        .values({
          account_id: accountId,
          type,
          network: entry.network,
          range_start: entry.start,
          range_end: entry.end,
          description: entry.description,
          created_at: now,
        })
        .execute();
    },

    /** Replaces the entry stored as `network`; false when there is none. */
    async update(accountId: string, type: IpAllowListType, network: string, entry: IpAllowEntry) {
      const result = await db
        .updateTable('ip_allow_entries')
        .set({
          network: entry.network,
          range_start: entry.start,
          range_end: entry.end,
          description: entry.description,
        })
        .where('account_id', '=', accountId)
        .where('type', '=', type)
        .where('network', '=', network)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async remove(accountId: string, type: IpAllowListType, network: string): Promise<boolean> {
      const result = await db
        .deleteFrom('ip_allow_entries')
        .where('account_id', '=', accountId)
        .where('type', '=', type)
        .where('network', '=', network)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /**
     * Whether the client whose address key is `key` may use the account's keys ('api') or logins
     * ('smtp'): true when the list is off, or on and holding a network that contains `key`.
     */
    async permits(accountId: string, type: IpAllowListType, key: string): Promise<boolean> {
      const row = await db
        .selectFrom('ip_allow_lists as l')
        .leftJoin('ip_allow_entries as e', (join) =>
          join
            .onRef('e.account_id', '=', 'l.account_id')
            .onRef('e.type', '=', 'l.type')
            .on('e.range_start', '<=', key)
            .on('e.range_end', '>=', key),
        )
        .select(['l.enabled', 'e.network'])
        .where('l.account_id', '=', accountId)
        .where('l.type', '=', type)
        .limit(1)
        .executeTakeFirst();
      if (!row || !row.enabled) return true;
      return row.network !== null;
    },
  };
}

export type IpAllowListsRepository = ReturnType<typeof ipAllowListsRepository>;
