// Benchmark (not a test) of SPEC §8's statistics and §1.7's activity search with many events:
// `stats/email_summary` p99 and `activity/search` (one recipient, 30 days) p99, through the same
// operations the API runs, on SQLite (default) or PostgreSQL (PETREL_BENCH_DATABASE_URL).
//   npx tsx bench/parity-stats.ts [events=1000000] [queries=200]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { createMasterAccount } from '../src/operations/accounts.js';
import { searchActivity } from '../src/operations/activity.js';
import { createOperationsDeps } from '../src/operations/context.js';
import { emailSummary } from '../src/operations/stats.js';
import { openStore } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import type { NewEvent } from '../src/store/repositories/events.js';
import { newSortableId } from '../src/security/sortable-id.js';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const QUERIES = Number(process.argv[3] ?? 200);
const RECIPIENTS = 50_000;
const DAY = 86_400_000;
const NAMES = ['processed', 'delivered', 'opened', 'clicked', 'soft-bounced'] as const;

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

const dataDir = mkdtempSync(join(tmpdir(), 'petrel-parity-bench-'));
const url = process.env.PETREL_BENCH_DATABASE_URL;
const store = openStore({
  dataDir,
  databaseUrl: url ?? null,
  ...(url ? { pgSchema: `bench_${Date.now()}` } : {}),
});
try {
  await migrateToLatest(store);
  const ops = createOperationsDeps(store, [], pino({ level: 'silent' }));
  const master = await createMasterAccount(ops, 'Bench');
  const caller = { accountId: master.account_id, keyId: null };
  const now = Date.now();
  const started = performance.now();
  for (let done = 0; done < EVENTS;) {
    const batch: NewEvent[] = [];
    for (let i = 0; i < 1000 && done < EVENTS; i++, done++) {
      // Spread over 60 days; each email gets its events one after another.
      const date = new Date(now - Math.floor((done / EVENTS) * 60 * DAY));
      batch.push({
        accountId: master.account_id,
        event: NAMES[done % NAMES.length] as NewEvent['event'],
        date,
        emailId: newSortableId(date.getTime()),
        username: `user${done % 20}`,
        sender: 'news@shop.example',
        recipient: `r${done % RECIPIENTS}@example.org`,
        subject: 'Bench',
      });
    }
    await ops.repos.events.record(batch);
  }
  const loadSeconds = (performance.now() - started) / 1000;
  const summary: number[] = [];
  const activity: number[] = [];
  const start = new Date(now - 30 * DAY).toISOString();
  for (let q = 0; q < QUERIES; q++) {
    let t = performance.now();
    await emailSummary(ops, caller, {});
    summary.push(performance.now() - t);
    t = performance.now();
    await searchActivity(ops, caller, {
      search_recipient: `r${(q * 7919) % RECIPIENTS}@example.org`,
      start_date: start,
    });
    activity.push(performance.now() - t);
  }
  console.log(
    JSON.stringify({
      dialect: store.dialect,
      events: EVENTS,
      load_seconds: Number(loadSeconds.toFixed(1)),
      queries: QUERIES,
      email_summary_p99_ms: Number(p99(summary).toFixed(2)),
      activity_search_one_recipient_30_days_p99_ms: Number(p99(activity).toFixed(2)),
    }),
  );
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
