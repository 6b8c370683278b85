// Benchmark (not a test) of SPEC §8's statistics and §1.7's activity search with many events:
// `stats/email_summary` p99 and `activity/search` (one recipient, 30 days) p99, through the same
// operations the API runs, on SQLite (default) or PostgreSQL (PETREL_BENCH_DATABASE_URL, own schema);
// and the events write path's rate on the empty database against the full one (issue 16, goal 4): an
// empty twin (its own schema, or data directory) is made beside the full one, and after a checkpoint
// their intake rounds alternate (empty, full, full, empty, empty, full) after one uncounted warm-up.
//   npx tsx bench/parity-stats.ts [events=1000000] [queries=200] [--direct] [--intake 3000] [--keep] [--reuse SCHEMA]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { createMasterAccount } from '../src/operations/accounts.js';
import { searchActivity } from '../src/operations/activity.js';
import { createOperationsDeps, type OperationsDeps } from '../src/operations/context.js';
import { emailSummary } from '../src/operations/stats.js';
import { openStore, type Store } from '../src/store/database.js';
import { ensurePartitions, utcDay } from '../src/store/events/partitions.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { eventRow, type EventRow, type NewEvent } from '../src/store/repositories/events.js';
import { newSortableId } from '../src/security/sortable-id.js';

const flags = process.argv.slice(2);
const valueOf = (flag: string): string | undefined => {
  const at = flags.indexOf(flag);
  return at >= 0 ? flags[at + 1] : undefined;
};
const positional = flags.filter((a, i) => !a.startsWith('--') && !flags[i - 1]?.match(/^--(intake|reuse)$/));
/** A schema seeded by an earlier run with --keep: measured again without seeding (PostgreSQL). */
const REUSE = valueOf('--reuse');
const EVENTS = Number(positional[0] ?? 1_000_000);
const QUERIES = Number(positional[1] ?? 200);
/** Seed with multi-row INSERTs straight into the tables (10M events in minutes, not hours). */
const DIRECT = flags.includes('--direct');
/** Messages written through the events path on the empty and on the full database (0: skipped). */
const INTAKE_MESSAGES = Number(valueOf('--intake') ?? 0);
const RECIPIENTS = 50_000;
const SPAN_DAYS = 60;
const DAY = 86_400_000;
const NAMES = ['processed', 'delivered', 'opened', 'clicked', 'soft-bounced'] as const;

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** The seed's n-th event: spread over SPAN_DAYS, newest last, 50,000 recipients, 20 senders. */
function seedEvent(accountId: string, now: number, n: number): NewEvent {
  const date = new Date(now - SPAN_DAYS * DAY + Math.floor((n / EVENTS) * SPAN_DAYS * DAY));
  return {
    accountId,
    event: NAMES[n % NAMES.length] as NewEvent['event'],
    date,
    emailId: newSortableId(date.getTime()),
    username: `user${n % 20}`,
    sender: 'news@shop.example',
    recipient: `r${n % RECIPIENTS}@example.org`,
    subject: 'Bench',
  };
}

async function seedThroughRecord(ops: OperationsDeps, accountId: string, now: number): Promise<void> {
  for (let done = 0; done < EVENTS;) {
    const batch: NewEvent[] = [];
    for (let i = 0; i < 1000 && done < EVENTS; i++, done++) batch.push(seedEvent(accountId, now, done));
    await ops.repos.events.record(batch);
  }
}

/**
 * Rows straight into events, then the rollups and recipients derived from them in one statement each
 * (the intake rounds' events were counted by record() already).
 */
async function seedDirect(store: Store, accountId: string, now: number): Promise<void> {
  const db = store.db;
  const chunk = store.dialect === 'postgres' ? 20_000 : 2_000;
  let lastReport = performance.now();
  for (let done = 0; done < EVENTS;) {
    const rows: EventRow[] = [];
    for (let i = 0; i < chunk && done < EVENTS; i++, done++) {
      rows.push(eventRow(seedEvent(accountId, now, done)));
    }
    if (store.dialect === 'postgres') {
      // One statement of arrays per chunk: PostgreSQL caps a statement at 65,535 parameters.
      const col = (k: keyof EventRow) => rows.map((r) => r[k]);
      await sql`insert into events (id, account_id, event, date, email_id, username, sender, recipient, subject)
        select * from unnest(${col('id')}::text[], ${col('account_id')}::text[], ${col('event')}::text[],
          ${col('date')}::text[], ${col('email_id')}::text[], ${col('username')}::text[], ${col('sender')}::text[],
          ${col('recipient')}::text[], ${col('subject')}::text[])`.execute(db);
    } else {
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += 100)
          await trx
            .insertInto('events')
            .values(rows.slice(i, i + 100))
            .execute();
      });
    }
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      process.stderr.write(`seeded ${done} events\n`);
    }
  }
  await sql`insert into event_rollups (account_id, username, day, event, count)
    select account_id, username, substr(date, 1, 10), event, count(*) from events
    where username <> 'intake' group by account_id, username, substr(date, 1, 10), event`.execute(db);
  await sql`insert into event_recipients (account_id, recipient)
    select distinct account_id, lower(recipient) from events where true on conflict do nothing`.execute(db);
  if (store.dialect === 'postgres') await sql`analyze events, event_rollups, event_recipients`.execute(db);
}

/** Messages per second through the events write path: one `processed` + one `delivered` per message. */
async function intakeRate(ops: OperationsDeps, accountId: string): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < INTAKE_MESSAGES; i++) {
    const emailId = newSortableId();
    const recipient = `intake${i % 1000}@example.net`;
    const base = {
      accountId,
      emailId,
      username: 'intake',
      sender: 'a@shop.example',
      recipient,
      subject: 'x',
    };
    await ops.repos.events.record([
      {
        ...base,
        event: 'processed',
        message: {
          fromAddress: 'a@shop.example',
          fromFull: 'A <a@shop.example>',
          to: recipient,
          cc: '',
          bcc: '',
          replyTo: '',
          recipients: [recipient],
          byteSize: 1000,
          headers: 'Subject: x\r\n',
        },
      },
    ]);
    await ops.repos.events.record([{ ...base, event: 'delivered' }]);
  }
  return INTAKE_MESSAGES / ((performance.now() - started) / 1000);
}

interface IntakeTarget {
  ops: OperationsDeps;
  accountId: string;
}

/**
 * Three rounds each, alternating which goes first, so neither database gets the machine's quieter
 * moments or a colder process: empty full, full empty, empty full.
 */
async function intakeRounds(
  empty: IntakeTarget,
  full: IntakeTarget,
): Promise<{ empty: number[]; full: number[] }> {
  const rates = { empty: [] as number[], full: [] as number[] };
  for (let r = 0; r < 3; r++) {
    const order = r % 2 === 0 ? (['empty', 'full'] as const) : (['full', 'empty'] as const);
    for (const which of order) {
      const target = which === 'empty' ? empty : full;
      rates[which].push(Math.round(await intakeRate(target.ops, target.accountId)));
    }
  }
  return rates;
}

const dataDir = mkdtempSync(join(tmpdir(), 'petrel-parity-bench-'));
const url = process.env.PETREL_BENCH_DATABASE_URL;
const schema = url ? (REUSE ?? `bench_${randomBytes(4).toString('hex')}`) : undefined;
async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(text);
  await client.end();
}
if (schema && !REUSE) await adminQuery(`create schema ${schema}`);
const store = openStore({ dataDir, databaseUrl: url ?? null, ...(schema ? { pgSchema: schema } : {}) });
// The empty twin for the intake comparison: its own schema or data directory, dropped at the end.
const twinDir = mkdtempSync(join(tmpdir(), 'petrel-parity-empty-'));
const twinSchema = schema && INTAKE_MESSAGES > 0 ? `${schema}_empty` : undefined;
let twin: Store | null = null;
try {
  await migrateToLatest(store);
  const ops = createOperationsDeps(store, [], pino({ level: 'silent' }));
  const reused = REUSE ? await store.db.selectFrom('accounts').select('id').executeTakeFirstOrThrow() : null;
  const master = reused ? { account_id: reused.id } : await createMasterAccount(ops, 'Bench');
  const caller = { accountId: master.account_id, keyId: null };
  const now = Date.now();
  // A node that has run for SPAN_DAYS has had a partition made for each of them by the retention job.
  if (store.dialect === 'postgres' && !REUSE)
    await ensurePartitions(
      store.db,
      Array.from({ length: SPAN_DAYS + 2 }, (_, i) => utcDay(new Date(now), i - SPAN_DAYS - 1)),
    );
  const started = performance.now();
  if (REUSE) process.stderr.write(`reusing ${REUSE}\n`);
  else if (DIRECT) await seedDirect(store, master.account_id, now);
  else await seedThroughRecord(ops, master.account_id, now);
  process.stderr.write(`seeded; measuring\n`);
  const loadSeconds = (performance.now() - started) / 1000;
  let intake: { empty: number[]; full: number[] } | null = null;
  if (INTAKE_MESSAGES > 0) {
    if (twinSchema)
      await adminQuery(`drop schema if exists ${twinSchema} cascade; create schema ${twinSchema}`);
    twin = openStore({
      dataDir: twinDir,
      databaseUrl: url ?? null,
      ...(twinSchema ? { pgSchema: twinSchema } : {}),
    });
    await migrateToLatest(twin);
    const twinOps = createOperationsDeps(twin, [], pino({ level: 'silent' }));
    const twinMaster = await createMasterAccount(twinOps, 'Bench empty');
    if (twin.dialect === 'postgres')
      await ensurePartitions(
        twin.db,
        Array.from({ length: SPAN_DAYS + 2 }, (_, i) => utcDay(new Date(now), i - SPAN_DAYS - 1)),
      );
    // The seed's dirty pages written out first, so the intake rounds do not compete with that flush.
    if (url) await adminQuery('checkpoint');
    await intakeRate(twinOps, twinMaster.account_id); // uncounted warm-up: JIT, connections, caches
    intake = await intakeRounds(
      { ops: twinOps, accountId: twinMaster.account_id },
      { ops, accountId: master.account_id },
    );
  }
  const summary: number[] = [];
  const activity: number[] = [];
  const start = new Date(now - 30 * DAY).toISOString();
  let found = 0;
  for (let q = 0; q < QUERIES; q++) {
    let t = performance.now();
    await emailSummary(ops, caller, {});
    summary.push(performance.now() - t);
    t = performance.now();
    const answer = await searchActivity(ops, caller, {
      search_recipient: `r${(q * 7919) % RECIPIENTS}@example.org`,
      start_date: start,
    });
    activity.push(performance.now() - t);
    found += answer.total_events;
  }
  console.log(
    JSON.stringify({
      dialect: store.dialect,
      events: EVENTS,
      seed: DIRECT ? 'direct' : 'record',
      load_seconds: Number(loadSeconds.toFixed(1)),
      queries: QUERIES,
      mean_total_events_per_search: Math.round(found / QUERIES),
      email_summary_p99_ms: Number(p99(summary).toFixed(2)),
      activity_search_one_recipient_30_days_p99_ms: Number(p99(activity).toFixed(2)),
      ...(intake
        ? {
            intake_messages_per_round: INTAKE_MESSAGES,
            intake_empty_msg_s: intake.empty,
            intake_full_msg_s: intake.full,
            intake_full_vs_empty: Number((median(intake.full) / median(intake.empty)).toFixed(3)),
          }
        : {}),
    }),
  );
} finally {
  await store.close();
  await twin?.close();
  if (twinSchema) await adminQuery(`drop schema if exists ${twinSchema} cascade`);
  rmSync(twinDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  if (schema && !REUSE && !flags.includes('--keep')) await adminQuery(`drop schema ${schema} cascade`);
}
