// /v3/activity/search over the events table (SPEC §1.7): SMTP2GO's filters, the header facts of each
// email joined from event_messages, the total count, and "only the latest event of each email".
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Database, EventMessagesTable, EventsTable } from '../tables.js';
import { expandRecipients } from '../events/recipients.js';

export interface ActivityQuery {
  accountIds: string[];
  startDate?: string;
  endDate?: string;
  /** Alternatives, any of which may appear in any search field. */
  search: string[];
  emailId?: string;
  subject?: string;
  sender?: string;
  recipient?: string;
  /** Lower-cased. */
  usernames: string[];
  events: string[];
  /** Only the newest matching event of each email. */
  latest: boolean;
}

/** A query with its recipient substring turned into the whole addresses it matches, where they are few. */
interface ResolvedQuery extends ActivityQuery {
  recipientIn?: string[];
}

export interface ActivityPage {
  /** Paging: rows after this key (the event id, or the email id when ordering by sent). */
  beforeKey: string | null;
  bySent: boolean;
  limit: number;
}

export type ActivityRow = Selectable<EventsTable> &
  Partial<Omit<Selectable<EventMessagesTable>, 'email_id' | 'account_id'>>;

/** `lower(ref) LIKE '%value%'`, LIKE's wildcards in the value taken literally, on both dialects. */
function contains(ref: string, value: string): RawBuilder<boolean> {
  const escaped = value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql<boolean>`lower(${sql.ref(ref)}) like ${`%${escaped}%`} escape '\\'`;
}

/** `expr in (values)`, and false for no values (which SQL cannot spell as an empty list). */
function inList(expr: RawBuilder<string>, values: string[]): RawBuilder<boolean> {
  return values.length === 0 ? sql<boolean>`1 = 0` : sql<boolean>`${expr} in (${sql.join(values)})`;
}

function any(parts: RawBuilder<boolean>[]): RawBuilder<boolean> {
  return sql<boolean>`(${sql.join(parts, sql` or `)})`;
}

/** The filters of `q` over events aliased `e` and event_messages aliased `m`. */
function filters(q: ResolvedQuery, e: string, m: string): RawBuilder<boolean> {
  const col = (name: string) => sql.ref(`${e}.${name}`);
  const parts: RawBuilder<boolean>[] = [sql<boolean>`${col('account_id')} in (${sql.join(q.accountIds)})`];
  if (q.startDate) parts.push(sql<boolean>`${col('date')} >= ${q.startDate}`);
  if (q.endDate) parts.push(sql<boolean>`${col('date')} <= ${q.endDate}`);
  if (q.emailId) parts.push(sql<boolean>`${col('email_id')} = ${q.emailId}`);
  if (q.subject) parts.push(contains(`${e}.subject`, q.subject));
  if (q.sender) parts.push(any([contains(`${e}.sender`, q.sender), contains(`${m}.from_address`, q.sender)]));
  if (q.recipientIn) parts.push(inList(sql<string>`lower(${col('recipient')})`, q.recipientIn));
  else if (q.recipient) parts.push(contains(`${e}.recipient`, q.recipient));
  if (q.usernames.length > 0)
    parts.push(sql<boolean>`lower(${col('username')}) in (${sql.join(q.usernames)})`);
  if (q.events.length > 0) parts.push(sql<boolean>`${col('event')} in (${sql.join(q.events)})`);
  if (q.search.length > 0) {
    parts.push(
      any(
        q.search.flatMap((text) => [
          sql<boolean>`${col('email_id')} = ${text}`,
          ...['subject', 'sender', 'recipient', 'username'].map((c) => contains(`${e}.${c}`, text)),
          contains(`${m}.from_address`, text),
        ]),
      ),
    );
  }
  return sql<boolean>`${sql.join(parts, sql` and `)}`;
}

/** The newest matching event id of each email (for only_latest). */
function latestIds(q: ResolvedQuery): RawBuilder<unknown> {
  return sql`select max(e2.id) from events e2 left join event_messages m2 on m2.email_id = e2.email_id where ${filters(q, 'e2', 'm2')} group by e2.email_id`;
}

function where(q: ResolvedQuery): RawBuilder<boolean> {
  const base = filters(q, 'e', 'm');
  return q.latest ? sql<boolean>`${base} and e.id in (${latestIds(q)})` : base;
}

/**
 * The same answers, read through the recipient index: the addresses containing the recipient value are
 * found among the accounts' distinct recipients, then matched whole. Too many of them: plain substring.
 */
async function resolve(db: Kysely<Database>, q: ActivityQuery): Promise<ResolvedQuery> {
  if (!q.recipient) return q;
  const found = await expandRecipients(db, q.accountIds, q.recipient);
  return found === null ? q : { ...q, recipientIn: found };
}

export interface ActivitySearchOptions {
  /** Off: recipients are always matched by substring over the events (tests compare both paths). */
  expandRecipients?: boolean;
}

export function activitySearchRepository(db: Kysely<Database>, options: ActivitySearchOptions = {}) {
  const expand = options.expandRecipients ?? true;
  // search() and count() of one request get the same query object: its addresses are looked up once.
  const resolved = new WeakMap<ActivityQuery, Promise<ResolvedQuery>>();
  const resolveOnce = (q: ActivityQuery): Promise<ResolvedQuery> => {
    let found = resolved.get(q);
    if (!found) resolved.set(q, (found = expand ? resolve(db, q) : Promise.resolve(q)));
    return found;
  };
  return {
    async search(query: ActivityQuery, page: ActivityPage): Promise<ActivityRow[]> {
      const q = await resolveOnce(query);
      const key = page.bySent ? 'e.email_id' : 'e.id';
      let select = db
        .selectFrom('events as e')
        .leftJoin('event_messages as m', 'm.email_id', 'e.email_id')
        .selectAll('e')
        .select([
          'm.from_address',
          'm.from_full',
          'm.to_header',
          'm.cc_header',
          'm.bcc_header',
          'm.reply_to',
          'm.recipients',
          'm.byte_size',
          'm.headers',
        ])
        .where(where(q));
      if (page.beforeKey !== null) select = select.where(sql<boolean>`${sql.ref(key)} < ${page.beforeKey}`);
      const rows = await select
        .orderBy(sql.ref(key), 'desc')
        .orderBy('e.id', 'desc')
        .limit(page.limit)
        .execute();
      return rows as ActivityRow[];
    },

    async count(query: ActivityQuery): Promise<number> {
      const q = await resolveOnce(query);
      const row = await db
        .selectFrom('events as e')
        .leftJoin('event_messages as m', 'm.email_id', 'e.email_id')
        .select((eb) => eb.fn.countAll().as('n'))
        .where(where(q))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}

export type ActivitySearchRepository = ReturnType<typeof activitySearchRepository>;
