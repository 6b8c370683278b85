// Webhook endpoints of each account (SPEC §7). Secret and auth header are stored as sealed by the caller.
import type { Kysely, Selectable } from 'kysely';
import type { Database, WebhooksTable } from '../tables.js';

export type WebhookRow = Selectable<WebhooksTable>;

export interface WebhookRecord {
  id: number;
  accountId: string;
  url: string;
  events: string[];
  headers: string[];
  usernames: string[];
  outputFormat: 'form' | 'json';
  authHeaderType: '' | 'bearer' | 'basic';
  /** Sealed. */
  authHeaderValue: string;
  /** Sealed. */
  secret: string;
  createdAt: string;
  updatedAt: string;
}

export type WebhookFields = Omit<WebhookRecord, 'id'>;

function toRecord(row: WebhookRow): WebhookRecord {
  return {
    id: Number(row.id),
    accountId: row.account_id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    headers: JSON.parse(row.headers) as string[],
    usernames: JSON.parse(row.usernames) as string[],
    outputFormat: row.output_format === 'json' ? 'json' : 'form',
    authHeaderType: row.auth_header_type as WebhookRecord['authHeaderType'],
    authHeaderValue: row.auth_header_value,
    secret: row.secret,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRow(w: WebhookFields) {
  return {
    account_id: w.accountId,
    url: w.url,
    events: JSON.stringify(w.events),
    headers: JSON.stringify(w.headers),
    usernames: JSON.stringify(w.usernames),
    output_format: w.outputFormat,
    auth_header_type: w.authHeaderType,
    auth_header_value: w.authHeaderValue,
    secret: w.secret,
    created_at: w.createdAt,
    updated_at: w.updatedAt,
  };
}

export function webhooksRepository(db: Kysely<Database>) {
  return {
    async insert(fields: WebhookFields): Promise<WebhookRecord> {
      const row = await db
        .insertInto('webhooks')
        .values(toRow(fields))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },

    async update(id: number, fields: WebhookFields): Promise<void> {
      const { created_at: _created, ...changes } = toRow(fields);
      void _created;
      await db.updateTable('webhooks').set(changes).where('id', '=', id).execute();
    },

    async remove(id: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('webhook_calls').where('webhook_id', '=', id).execute();
        await trx.deleteFrom('webhooks').where('id', '=', id).execute();
      });
    },

    async find(accountId: string, id: number): Promise<WebhookRecord | undefined> {
      const row = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    async byId(ids: number[]): Promise<Map<number, WebhookRecord>> {
      if (ids.length === 0) return new Map();
      const rows = await db.selectFrom('webhooks').selectAll().where('id', 'in', ids).execute();
      return new Map(rows.map((r) => [Number(r.id), toRecord(r)]));
    },

    async list(accountId: string): Promise<WebhookRecord[]> {
      const rows = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('id')
        .execute();
      return rows.map(toRecord);
    },
  };
}

export type WebhooksRepository = ReturnType<typeof webhooksRepository>;
