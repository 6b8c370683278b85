// SMTP users. Usernames are unique across the installation, compared case-insensitively through
// the `username_lower` column's unique index (SMTP AUTH carries no account qualifier).
import type { Kysely, Selectable } from 'kysely';
import type { SendingSettings } from '../../domain/sending-settings.js';
import { normaliseUsername } from '../../domain/username.js';
import { fromSettingsColumns, toSettingsColumns } from '../sending-settings-columns.js';
import { compiledQuery } from '../compiled-query.js';
import { readThrough, type StoreVersion } from '../read-cache.js';
import type { Database, SmtpUsersTable } from '../tables.js';

type Row = Selectable<SmtpUsersTable>;

export interface SmtpUserRecord {
  id: string;
  accountId: string;
  username: string;
  passwordHash: string;
  description: string;
  settings: SendingSettings;
  createdAt: string;
  updatedAt: string;
}

function toRecord(row: Row): SmtpUserRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    username: row.username,
    passwordHash: row.password_hash,
    description: row.description,
    settings: fromSettingsColumns(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function smtpUsersRepository(db: Kysely<Database>, version: StoreVersion | null = null) {
  // Every MAIL FROM reads its sender as it is now (SPEC §2.4): compiled once (store/compiled-query.ts),
  // answered from memory while the database is unchanged (store/read-cache.ts).
  const byLogin = readThrough(
    version,
    compiledQuery(db, 1, (login) =>
      db.selectFrom('smtp_users').selectAll().where('username_lower', '=', login),
    ),
  );
  return {
    /** Throws a unique violation (see isUniqueViolation) when the username is taken. */
    async insert(user: SmtpUserRecord): Promise<void> {
      await db
        .insertInto('smtp_users')
        .values({
          id: user.id,
          account_id: user.accountId,
          username: user.username,
          username_lower: normaliseUsername(user.username),
          password_hash: user.passwordHash,
          description: user.description,
          created_at: user.createdAt,
          updated_at: user.updatedAt,
          ...toSettingsColumns(user.settings),
        })
        .execute();
    },

    /** Finds a user by login name in any account: for SMTP AUTH only. */
    async findByLogin(username: string): Promise<SmtpUserRecord | undefined> {
      const [row] = await byLogin(normaliseUsername(username));
      return row && toRecord(row);
    },

    /** Finds a user of one account; another account's user is not found. */
    async findInAccount(accountId: string, username: string): Promise<SmtpUserRecord | undefined> {
      const row = await db
        .selectFrom('smtp_users')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('username_lower', '=', normaliseUsername(username))
        .executeTakeFirst();
      return row && toRecord(row);
    },

    /** One page of an account's users in username order, starting after `afterLower`. */
    async listInAccount(
      accountId: string,
      afterLower: string | null,
      limit: number,
    ): Promise<SmtpUserRecord[]> {
      let q = db.selectFrom('smtp_users').selectAll().where('account_id', '=', accountId);
      if (afterLower !== null) q = q.where('username_lower', '>', afterLower);
      const rows = await q.orderBy('username_lower').limit(limit).execute();
      return rows.map(toRecord);
    },

    /** Writes description, password and settings of an existing user; false when it is gone. */
    async update(user: SmtpUserRecord): Promise<boolean> {
      const result = await db
        .updateTable('smtp_users')
        .set({
          password_hash: user.passwordHash,
          description: user.description,
          updated_at: user.updatedAt,
          ...toSettingsColumns(user.settings),
        })
        .where('id', '=', user.id)
        .where('account_id', '=', user.accountId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async remove(accountId: string, id: string): Promise<boolean> {
      const result = await db
        .deleteFrom('smtp_users')
        .where('id', '=', id)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async countInAccount(accountId: string): Promise<number> {
      const row = await db
        .selectFrom('smtp_users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type SmtpUsersRepository = ReturnType<typeof smtpUsersRepository>;
