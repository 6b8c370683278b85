// IP-authenticated senders (SPEC §2.2, §8): networks that send without a login, each with its own
// sending settings, shared by every node. Entries never overlap, so an address has at most one.
import type { Kysely, Selectable } from 'kysely';
import type { SendingSettings } from '../../domain/sending-settings.js';
import { fromSettingsColumns, toSettingsColumns } from '../sending-settings-columns.js';
import type { Database, IpAuthEntriesTable } from '../tables.js';

export interface IpAuthRecord {
  id: string;
  accountId: string;
  network: string;
  start: string;
  end: string;
  description: string;
  settings: SendingSettings;
  createdAt: string;
  updatedAt: string;
}

function toRecord(row: Selectable<IpAuthEntriesTable>): IpAuthRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    network: row.network,
    start: row.range_start,
    end: row.range_end,
    description: row.description,
    settings: fromSettingsColumns(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function ipAuthRepository(db: Kysely<Database>) {
  return {
    /**
     * The entry holding the address key `key`, for the SMTP server. Entries never overlap, so the only
     * candidate is the one starting last at or before `key`: one step down the range_start index, a
     * miss included (filtering on range_end in SQL would scan every lower entry on a miss).
     */
    async findForAddress(key: string): Promise<IpAuthRecord | undefined> {
      const row = await db
        .selectFrom('ip_auth_entries')
        .selectAll()
        .where('range_start', '<=', key)
        .orderBy('range_start', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && row.range_end >= key ? toRecord(row) : undefined;
    },

    async findById(id: string): Promise<IpAuthRecord | undefined> {
      const row = await db.selectFrom('ip_auth_entries').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    async findInAccount(accountId: string, network: string): Promise<IpAuthRecord | undefined> {
      const row = await db
        .selectFrom('ip_auth_entries')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('network', '=', network)
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async listInAccount(accountId: string): Promise<IpAuthRecord[]> {
      const rows = await db
        .selectFrom('ip_auth_entries')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('range_start')
        .execute();
      return rows.map(toRecord);
    },

    /** An entry of any account whose network shares an address with [start, end], other than `exceptId`. */
    async findOverlap(
      start: string,
      end: string,
      exceptId: string | null,
    ): Promise<IpAuthRecord | undefined> {
      let query = db
        .selectFrom('ip_auth_entries')
        .selectAll()
        .where('range_start', '<=', end)
        .where('range_end', '>=', start);
      if (exceptId !== null) query = query.where('id', '!=', exceptId);
      const row = await query.limit(1).executeTakeFirst();
      return row && toRecord(row);
    },

    async insert(entry: IpAuthRecord): Promise<void> {
      await db
        .insertInto('ip_auth_entries')
        .values({
          id: entry.id,
          account_id: entry.accountId,
          network: entry.network,
          range_start: entry.start,
          range_end: entry.end,
          description: entry.description,
          created_at: entry.createdAt,
          updated_at: entry.updatedAt,
          ...toSettingsColumns(entry.settings),
        })
        .execute();
    },

    async update(entry: IpAuthRecord): Promise<boolean> {
      const result = await db
        .updateTable('ip_auth_entries')
        .set({
          description: entry.description,
          updated_at: entry.updatedAt,
          ...toSettingsColumns(entry.settings),
        })
        .where('id', '=', entry.id)
        .where('account_id', '=', entry.accountId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async remove(accountId: string, id: string): Promise<boolean> {
      const result = await db
        .deleteFrom('ip_auth_entries')
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type IpAuthRepository = ReturnType<typeof ipAuthRepository>;
