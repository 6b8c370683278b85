// Benchmark of /v3/users/smtp/add and /v3/users/smtp/view with 10,000 users in the database, on
// embedded SQLite and on PostgreSQL. Usage: npx tsx bench/api-users.ts [--dialect sqlite|postgres|both]
//   [--seed 10000] [--adds 1000] [--views 5000] [--concurrency 16]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values: args } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'both' },
    seed: { type: 'string', default: '10000' },
    adds: { type: 'string', default: '1000' },
    views: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '16' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const concurrency = Number(args.concurrency);

interface Started {
  url: string;
  key: string;
  child: ChildProcess;
  cleanup: () => Promise<void>;
}

async function startServer(dialect: 'sqlite' | 'postgres'): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-bench-'));
  const schema = dialect === 'postgres' ? `bench_${randomBytes(4).toString('hex')}` : undefined;
  if (schema) {
    const c = new pg.Client({ connectionString: args['database-url'] });
    await c.connect();
    await c.query(`CREATE SCHEMA ${schema}`);
    await c.end();
  }
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'support/api-node.ts')],
    {
      env: {
        ...process.env,
        PETREL_DATA_DIR: dataDir,
        PETREL_HTTP_LISTEN: '127.0.0.1:0',
        PETREL_SMTP_LISTEN: '127.0.0.1:0',
        PETREL_SMTPS_LISTEN: '127.0.0.1:0',
        PETREL_INBOUND_LISTEN: '127.0.0.1:0',
        PETREL_LOG_LEVEL: 'warn',
        PETREL_API_REQUESTS_PER_MINUTE: '100000000',
        BENCH_SEED_USERS: args.seed,
        ...(schema ? { PETREL_DATABASE_URL: args['database-url'], BENCH_PG_SCHEMA: schema } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench node exited with ${code}`)));
  });
  const { url, key } = JSON.parse(line) as { url: string; key: string };
  return {
    url,
    key,
    child,
    cleanup: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
      if (schema) {
        const c = new pg.Client({ connectionString: args['database-url'] });
        await c.connect();
        await c.query(`DROP SCHEMA ${schema} CASCADE`);
        await c.end();
      }
    },
  };
}

interface Result {
  name: string;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  failures: number;
}

async function run(name: string, total: number, request: (i: number) => Promise<boolean>): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        if (!(await request(i))) failures++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 10) / 10;
  return {
    name,
    requests: total,
    perSecond: Math.round(total / seconds),
    p50: pct(0.5),
    p99: pct(0.99),
    failures,
  };
}

async function benchDialect(dialect: 'sqlite' | 'postgres'): Promise<Result[]> {
  const server = await startServer(dialect);
  const post = async (path: string, body: unknown): Promise<boolean> => {
    const r = await fetch(`${server.url}/v3${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': server.key },
      body: JSON.stringify(body),
    });
    await r.arrayBuffer();
    return r.status === 200;
  };
  const seed = Number(args.seed);
  try {
    const results = [
      await run(`${dialect} users/smtp/add`, Number(args.adds), (i) =>
        post('/users/smtp/add', { username: `bench-add-${i}`, email_password: 'Bench-Password-0123456789!' }),
      ),
      await run(`${dialect} users/smtp/view (one user)`, Number(args.views), (i) =>
        post('/users/smtp/view', { username: `seed-user-${String(i % seed).padStart(6, '0')}` }),
      ),
      await run(`${dialect} users/smtp/view (page of 100)`, Math.ceil(Number(args.views) / 10), () =>
        post('/users/smtp/view', { page_size: 100 }),
      ),
    ];
    return results;
  } finally {
    await server.cleanup();
  }
}

const dialects: ('sqlite' | 'postgres')[] =
  args.dialect === 'both' ? ['sqlite', 'postgres'] : [args.dialect as 'sqlite' | 'postgres'];
const all: Result[] = [];
for (const d of dialects) all.push(...(await benchDialect(d)));
console.log(`users in database: ${args.seed} (+ the adds); concurrency ${concurrency}`);
console.table(
  all.map((r) => ({
    endpoint: r.name,
    requests: r.requests,
    'req/s': r.perSecond,
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    failures: r.failures,
  })),
);
