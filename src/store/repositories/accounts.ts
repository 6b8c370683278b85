// Accounts: the master account and its subaccounts.
import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
} from 'kysely';
import type { AccountsTable, Database } from '../tables.js';
import { compiledQuery } from '../compiled-query.js';
import { readThrough, type StoreVersion } from '../read-cache.js';

export type AccountRow = Selectable<AccountsTable>;

export interface SubaccountFilter {
  /** A subaccount matches when any term matches its name, email or id; empty means every subaccount. */
  terms: string[];
  /** true: case-insensitive substring; false: the whole value, exactly. */
  fuzzy: boolean;
  /** Only these states; null means any. */
  states: string[] | null;
}

/** Where the previous page ended, in (name, id) order. */
export interface SubaccountCursor {
  name: string;
  id: string;
}

/** LIKE pattern for a substring, with the client's % _ and \ taken literally (see ESCAPE below). */
function containsPattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function matchesFilter(eb: ExpressionBuilder<Database, 'accounts'>, filter: SubaccountFilter) {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.terms.length > 0) {
    const termMatches = filter.terms.flatMap((term) =>
      (['name', 'email', 'id'] as const).map((column) =>
        filter.fuzzy
          ? // ESCAPE is spelled out because SQLite has no default escape character (PostgreSQL's is \).
            sql<SqlBool>`lower(${sql.ref(column)}) like ${containsPattern(term)} escape '\\'`
          : eb(column, '=', term),
      ),
    );
    conditions.push(eb.or(termMatches));
  }
  if (filter.states !== null) {
    // An empty list matches nothing (eb.or of nothing is 1 = 0); "state in ()" is not valid SQL.
    conditions.push(filter.states.length > 0 ? eb('state', 'in', filter.states) : eb.or([]));
  }
  return eb.and(conditions);
}

export function accountsRepository(db: Kysely<Database>, version: StoreVersion | null = null) {
  // Read with every MAIL FROM (the sender's account): compiled once (store/compiled-query.ts), answered
  // from memory while the database is unchanged (store/read-cache.ts).
  const byId = readThrough(
    version,
    compiledQuery(db, 1, (id) => db.selectFrom('accounts').selectAll().where('id', '=', id)),
  );
  return {
    async insert(row: AccountRow): Promise<void> {
      await db.insertInto('accounts').values(row).execute();
    },

    async findById(id: string): Promise<AccountRow | undefined> {
      return (await byId(id))[0];
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

    /**
     * One page of `parentId`'s subaccounts matching `filter`, ordered by name then id (keyset paging
     * from `after`, the last row of the previous page).
     */
    async searchSubaccounts(
      parentId: string,
      filter: SubaccountFilter,
      options: { after: SubaccountCursor | null; descending: boolean; limit: number },
    ): Promise<AccountRow[]> {
      let q = db.selectFrom('accounts').selectAll().where('parent_id', '=', parentId);
      q = q.where((eb) => matchesFilter(eb, filter));
      const { after, descending } = options;
      if (after) {
        const beyond = descending ? '<' : '>';
        q = q.where((eb) =>
          eb.or([
            eb('name', beyond, after.name),
            eb.and([eb('name', '=', after.name), eb('id', beyond, after.id)]),
          ]),
        );
      }
      const direction = descending ? 'desc' : 'asc';
      return q.orderBy('name', direction).orderBy('id', direction).limit(options.limit).execute();
    },

    /** How many of `parentId`'s subaccounts match `filter`, over all pages. */
    async countSubaccounts(parentId: string, filter: SubaccountFilter): Promise<number> {
      const row = await db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('parent_id', '=', parentId)
        .where((eb) => matchesFilter(eb, filter))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Changes a subaccount of `parentId`; false when there is no such subaccount (any more). */
    async updateSubaccount(
      parentId: string,
      id: string,
      changes: Partial<Omit<AccountRow, 'id' | 'parent_id'>>,
    ): Promise<boolean> {
      const result = await db
        .updateTable('accounts')
        .set(changes)
        .where('id', '=', id)
        .where('parent_id', '=', parentId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async update(id: string, changes: Partial<Omit<AccountRow, 'id' | 'parent_id'>>): Promise<void> {
      await db.updateTable('accounts').set(changes).where('id', '=', id).execute();
    },
  };
}

export type AccountsRepository = ReturnType<typeof accountsRepository>;
