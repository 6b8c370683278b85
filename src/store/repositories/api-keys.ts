// API keys, stored only as a SHA-256 hash of the key (keys are 128-bit random, so a fast hash is safe)
// plus a short prefix for logs and listings.
import type { Kysely, Selectable } from 'kysely';
import type { SendingSettings } from '../../domain/sending-settings.js';
import { fromSettingsColumns, toSettingsColumns } from '../sending-settings-columns.js';
import type { ApiKeysTable, Database } from '../tables.js';

type Row = Selectable<ApiKeysTable>;

export interface ApiKeyRecord {
  id: string;
  accountId: string;
  keyHash: string;
  keyPrefix: string;
  description: string;
  endpoints: string[];
  settings: SendingSettings;
  createdAt: string;
}

function toRecord(row: Row): ApiKeyRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    keyHash: row.key_hash,
    keyPrefix: row.key_prefix,
    description: row.description,
    endpoints: JSON.parse(row.endpoints) as string[],
    settings: fromSettingsColumns(row),
    createdAt: row.created_at,
  };
}

export function apiKeysRepository(db: Kysely<Database>) {
  return {
    async insert(key: ApiKeyRecord): Promise<void> {
      await db
        .insertInto('api_keys')
        .values({
          id: key.id,
          account_id: key.accountId,
          key_hash: key.keyHash,
          key_prefix: key.keyPrefix,
          description: key.description,
          endpoints: JSON.stringify(key.endpoints),
          created_at: key.createdAt,
          ...toSettingsColumns(key.settings),
        })
        .execute();
    },

    async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('key_hash', '=', keyHash)
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async findInAccount(accountId: string, id: string): Promise<ApiKeyRecord | undefined> {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async listInAccount(accountId: string): Promise<ApiKeyRecord[]> {
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toRecord);
    },

    async update(key: ApiKeyRecord): Promise<boolean> {
      const result = await db
        .updateTable('api_keys')
        .set({
          description: key.description,
          endpoints: JSON.stringify(key.endpoints),
          ...toSettingsColumns(key.settings),
        })
        .where('id', '=', key.id)
        .where('account_id', '=', key.accountId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async remove(accountId: string, id: string): Promise<boolean> {
      const result = await db
        .deleteFrom('api_keys')
        .where('id', '=', id)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export type ApiKeysRepository = ReturnType<typeof apiKeysRepository>;
