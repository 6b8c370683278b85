// Accounts: the master account and its subaccounts.
import type { Kysely, Selectable } from 'kysely';
import type { AccountsTable, Database } from '../tables.js';

export type AccountRow = Selectable<AccountsTable>;

export function accountsRepository(db: Kysely<Database>) {
  return {
    async insert(row: AccountRow): Promise<void> {
      await db.insertInto('accounts').values(row).execute();
    },

    async findById(id: string): Promise<AccountRow | undefined> {
      return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async findMaster(): Promise<AccountRow | undefined> {
      return db.selectFrom('accounts').selectAll().where('parent_id', 'is', null).executeTakeFirst();
    },

    /** The subaccount `id` of `parentId`, or undefined: unknown and foreign ids look the same. */
    async findSubaccount(parentId: string, id: string): Promise<AccountRow | undefined> {
      return db
        .selectFrom('accounts')
        .selectAll()
        .where('id', '=', id)
        .where('parent_id', '=', parentId)
        .executeTakeFirst();
    },

    async searchSubaccounts(
      parentId: string,
      options: { terms: string | null; states: string[] | null; after: string | null; limit: number },
    ): Promise<AccountRow[]> {
      let q = db.selectFrom('accounts').selectAll().where('parent_id', '=', parentId);
      if (options.terms) {
        // % and _ in the terms act as LIKE wildcards; harmless in a search box, and avoids dialect-specific ESCAPE.
        const like = `%${options.terms.toLowerCase()}%`;
        q = q.where((eb) =>
          eb.or([
            eb(eb.fn('lower', ['name']), 'like', like),
            eb(eb.fn('lower', ['email']), 'like', like),
            eb(eb.fn('lower', ['id']), 'like', like),
          ]),
        );
      }
      if (options.states && options.states.length > 0) q = q.where('state', 'in', options.states);
      if (options.after) q = q.where('id', '>', options.after);
      return q.orderBy('id').limit(options.limit).execute();
    },

    async update(id: string, changes: Partial<Omit<AccountRow, 'id' | 'parent_id'>>): Promise<void> {
      await db.updateTable('accounts').set(changes).where('id', '=', id).execute();
    },
  };
}

export type AccountsRepository = ReturnType<typeof accountsRepository>;
