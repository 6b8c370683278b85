// The webhook outbox (SPEC §7): one row per call owed to a webhook, written in the same transaction as
// the activity events it reports, claimed by any node's dispatcher, and kept afterwards as the call log.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { payloadOf, webhookEventOf, withMessageHeaders } from '../../webhooks/event-payload.js';
import { newSortableId } from '../../security/sortable-id.js';
import type { DialectName } from '../database.js';
import type { Database, WebhookCallsTable } from '../tables.js';
import type { EventRow } from './events.js';

export type WebhookCallRow = Selectable<WebhookCallsTable>;

/** What became of one attempt. */
export interface CallOutcome {
  id: string;
  status: number | null;
  answer: string;
  at: Date;
  /** null: delivered (2xx) or given up, see `delivered`. */
  nextAttemptAt: number | null;
  delivered: boolean;
}

/** Answers are kept short in the log (the receiver's whole body is never stored). */
const ANSWER_CHARS = 1000;

/**
 * Adds the calls that `events` owe to their accounts' webhooks (filtered by event and username), inside
 * the transaction that records the events: an event is never recorded without its calls, or vice versa.
 */
export async function enqueueWebhookCalls(trx: Transaction<Database>, events: EventRow[]): Promise<void> {
  const accounts = [...new Set(events.map((e) => e.account_id))];
  const hooks = await trx
    .selectFrom('webhooks')
    .select(['id', 'account_id', 'events', 'usernames', 'headers'])
    .where('account_id', 'in', accounts)
    .execute();
  if (hooks.length === 0) return;
  const filters = hooks.map((h) => ({
    id: Number(h.id),
    accountId: h.account_id,
    events: new Set(JSON.parse(h.events) as string[]),
    usernames: new Set((JSON.parse(h.usernames) as string[]).map((u) => u.toLowerCase())),
    headers: JSON.parse(h.headers) as string[],
  }));
  const owed: { filter: (typeof filters)[number]; event: string; row: EventRow }[] = [];
  for (const e of events) {
    const event = webhookEventOf(e.event);
    if (!event) continue;
    for (const f of filters) {
      if (f.accountId !== e.account_id) continue;
      // Empty lists mean every event / every sender (SMTP2GO: "all usernames if none are specified").
      if (f.events.size > 0 && !f.events.has(event)) continue;
      if (f.usernames.size > 0 && !f.usernames.has(e.username.toLowerCase())) continue;
      owed.push({ filter: f, event, row: e });
    }
  }
  if (owed.length === 0) return;
  // The header blocks of these messages, kept at acceptance (event_messages, written just before in this
  // same transaction for `processed` events): the payload's message-id and requested headers.
  const blocks = await headerBlocks(trx, [...new Set(owed.map((o) => o.row.email_id))]);
  const now = Date.now();
  const calls = owed.map(({ filter, event, row }) => {
    const payload = payloadOf(row);
    if (payload) withMessageHeaders(payload, blocks.get(row.email_id), filter.headers);
    return newCall(filter.id, row.account_id, event, JSON.stringify(payload), now);
  });
  // 10 parameters a row: well inside PostgreSQL's 65,535 for a batch of 1,000 events.
  for (let i = 0; i < calls.length; i += 5000)
    await trx
      .insertInto('webhook_calls')
      .values(calls.slice(i, i + 5000))
      .execute();
}

async function headerBlocks(trx: Transaction<Database>, emailIds: string[]): Promise<Map<string, string>> {
  const blocks = new Map<string, string>();
  for (let i = 0; i < emailIds.length; i += 1000) {
    const rows = await trx
      .selectFrom('event_messages')
      .select(['email_id', 'headers'])
      .where('email_id', 'in', emailIds.slice(i, i + 1000))
      .execute();
    for (const r of rows) blocks.set(r.email_id, r.headers);
  }
  return blocks;
}

function newCall(webhookId: number, accountId: string, event: string, payload: string, now: number) {
  return {
    id: newSortableId(now),
    webhook_id: webhookId,
    account_id: accountId,
    event,
    payload,
    state: 'pending',
    attempts: 0,
    next_attempt_at: now,
    last_status: null,
    last_answer: null,
    last_attempt_at: null,
    created_at: new Date(now).toISOString(),
  };
}

/**
 * Runs `work` on one connection; on SQLite with `synchronous = NORMAL` for its commits, restored after.
 * In WAL mode NORMAL still keeps the database consistent and the commit visible to every reader at once;
 * only a power cut may lose it (a crash of the process does not). For writes that are safe to lose.
 */
async function withoutSync<T>(
  db: Kysely<Database>,
  dialect: DialectName,
  work: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (dialect !== 'sqlite') return work(db);
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(conn);
    const before = Number(rows[0]?.synchronous ?? 2);
    await sql`pragma synchronous = normal`.execute(conn);
    try {
      return await work(conn);
    } finally {
      await sql.raw(`pragma synchronous = ${before}`).execute(conn);
    }
  });
}

async function claimIn(
  trx: Transaction<Database>,
  dialect: DialectName,
  limit: number,
  leaseMs: number,
  now: number,
): Promise<WebhookCallRow[]> {
  let q = trx
    .selectFrom('webhook_calls')
    .selectAll()
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(limit);
  if (dialect === 'postgres') q = q.forUpdate().skipLocked();
  const rows = await q.execute();
  if (rows.length === 0) return rows;
  await trx
    .updateTable('webhook_calls')
    .set({ next_attempt_at: now + leaseMs })
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return rows;
}

/**
 * Writes the outcomes of finished attempts. Delivered calls with the same answer (the common case:
 * every call "200 OK") share one UPDATE; the others get one each.
 */
async function settleIn(trx: Transaction<Database>, outcomes: CallOutcome[]): Promise<void> {
  const groups = new Map<string, CallOutcome[]>();
  for (const o of outcomes) {
    const key = o.delivered ? `${o.status} ${o.answer.slice(0, ANSWER_CHARS)}` : `retry ${o.id}`;
    const group = groups.get(key);
    if (group) group.push(o);
    else groups.set(key, [o]);
  }
  for (const group of groups.values()) {
    const o = group[0]!;
    await trx
      .updateTable('webhook_calls')
      .set({
        state: o.delivered ? 'delivered' : o.nextAttemptAt === null ? 'failed' : 'pending',
        attempts: sql<number>`attempts + 1`,
        next_attempt_at: o.nextAttemptAt ?? o.at.getTime(),
        last_status: o.status,
        last_answer: o.answer.slice(0, ANSWER_CHARS),
        last_attempt_at: o.at.toISOString(),
      })
      .where(
        'id',
        'in',
        group.map((g) => g.id),
      )
      .execute();
  }
}

export function webhookCallsRepository(db: Kysely<Database>, dialect: DialectName) {
  /**
   * Writes the outcomes of finished attempts, then takes up to `limit` due calls for this node: their
   * next_attempt_at moves `leaseMs` ahead, so no other node takes them meanwhile, and a node that dies
   * mid-call leaves them due again afterwards. On PostgreSQL rows locked by another node's claim are
   * skipped, not waited for. One transaction for both, the dispatcher's only write per turn.
   *
   * On SQLite that transaction commits without an fsync (see `withoutSync`): losing it to a power cut
   * only makes its calls due again, so they are sent again (at least once, same webhook-id), and
   * SQLite's fsync runs on the event loop, where it delayed the SMTP sessions of the same process.
   */
  const settleAndClaim = async (
    outcomes: CallOutcome[],
    limit: number,
    leaseMs: number,
    now = Date.now(),
  ): Promise<WebhookCallRow[]> => {
    if (outcomes.length === 0 && limit <= 0) return [];
    return withoutSync(db, dialect, (trx) =>
      trx.transaction().execute(async (trx) => {
        await settleIn(trx, outcomes);
        return limit > 0 ? claimIn(trx, dialect, limit, leaseMs, now) : [];
      }),
    );
  };

  return {
    /** A call outside the event flow (the console's "send test"). */
    async insert(webhookId: number, accountId: string, event: string, payload: string): Promise<string> {
      const call = newCall(webhookId, accountId, event, payload, Date.now());
      await db.insertInto('webhook_calls').values(call).execute();
      return call.id;
    },

    settleAndClaim,

    async claimDue(limit: number, leaseMs: number, now = Date.now()): Promise<WebhookCallRow[]> {
      return settleAndClaim([], limit, leaseMs, now);
    },

    async settle(outcomes: CallOutcome[]): Promise<void> {
      await settleAndClaim(outcomes, 0, 0);
    },

    /** The newest calls of a webhook (the console's log). */
    async recent(webhookId: number, limit = 50): Promise<WebhookCallRow[]> {
      return db
        .selectFrom('webhook_calls')
        .selectAll()
        .where('webhook_id', '=', webhookId)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },

    async countByState(): Promise<Record<string, number>> {
      const rows = await db
        .selectFrom('webhook_calls')
        .select(['state', (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy('state')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    },
  };
}

export type WebhookCallsRepository = ReturnType<typeof webhookCallsRepository>;
