// Email templates (SPEC §8): one account's templates by id, searched by name, id or subject and by tag.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, TemplatesTable } from '../tables.js';

export type TemplateRow = Selectable<TemplatesTable>;

export interface TemplateSearch {
  accountId: string;
  /** Text, any of which the id, name or subject contains (lower case). */
  terms: string[];
  /** Exact ids or names, when not fuzzy. */
  exact: string[];
  tags: string[];
  ascending: boolean;
  offset: number;
  limit: number;
}

function like(value: string) {
  return `%${value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function templatesRepository(db: Kysely<Database>) {
  const filtered = (s: TemplateSearch) => {
    let q = db.selectFrom('templates').where('account_id', '=', s.accountId);
    if (s.terms.length > 0)
      q = q.where((eb) =>
        eb.or(
          s.terms.flatMap((t) =>
            ['id', 'name', 'subject'].map((c) =>
              eb(sql`lower(${sql.ref(c)})`, 'like', sql`${like(t)} escape '\\'`),
            ),
          ),
        ),
      );
    if (s.exact.length > 0) q = q.where((eb) => eb.or([eb('id', 'in', s.exact), eb('name', 'in', s.exact)]));
    // Tags are a small JSON list: matched as the quoted string inside it.
    if (s.tags.length > 0)
      q = q.where((eb) =>
        eb.or(s.tags.map((t) => eb(sql`lower(tags)`, 'like', sql`${like(JSON.stringify(t))} escape '\\'`))),
      );
    return q;
  };
  return {
    async find(accountId: string, id: string): Promise<TemplateRow | undefined> {
      return db
        .selectFrom('templates')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
    },

    /** Inserts; false when the id is taken in this account. */
    async insert(row: TemplateRow): Promise<boolean> {
      const result = await db
        .insertInto('templates')
        .values(row)
        .onConflict((oc) => oc.columns(['account_id', 'id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    /** Replaces the template `id` by `row` (which may carry a new id); false when `id` is gone. */
    async update(accountId: string, id: string, row: TemplateRow): Promise<boolean> {
      const result = await db
        .updateTable('templates')
        .set(row)
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async remove(accountId: string, id: string): Promise<boolean> {
      const result = await db
        .deleteFrom('templates')
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async search(s: TemplateSearch): Promise<TemplateRow[]> {
      const direction = s.ascending ? 'asc' : 'desc';
      return filtered(s)
        .selectAll()
        .orderBy('updated_at', direction)
        .orderBy('id', direction)
        .offset(s.offset)
        .limit(s.limit)
        .execute();
    },

    async count(s: TemplateSearch): Promise<number> {
      const row = await filtered(s)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}

export type TemplatesRepository = ReturnType<typeof templatesRepository>;
