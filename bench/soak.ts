// Soak run (issue 9): a real `petrel serve` process under a steady, mixed load for a long time (30
// minutes by default): 1,000 SMTP users, 100,000 distinct recipients, a mix of message sizes (inline
// and body-file), and a smarthost sink that defers some recipients once (4xx, then accepts the retry)
// and bounces others (5xx, so Petrel sends DSNs). The server's RSS is sampled every minute and fitted
// with a least-squares line after the warm-up, whose slope says whether memory trends upward. Not a CI
// test: see bench/README.md.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { buildBenchMessage } from '../src/bench/message.js';
import { SmtpClient } from '../src/bench/smtp-client.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '1800' }, // seconds of sending
    rate: { type: 'string', default: '50' }, // messages per second, all sessions together
    users: { type: 'string', default: '1000' }, // distinct SMTP users
    recipients: { type: 'string', default: '100000' }, // distinct recipient addresses
    sessions: { type: 'string', default: '20' }, // concurrent client connections
    'per-connection': { type: 'string', default: '10' }, // messages per connection (one user each)
    'defer-percent': { type: 'string', default: '5' }, // recipients answered 451 at the first attempt
    'bounce-percent': { type: 'string', default: '2' }, // recipients always answered 550
    interval: { type: 'string', default: '60' }, // seconds between RSS samples
    warmup: { type: 'string', default: '300' }, // seconds left out of the slope
    'delivery-concurrency': { type: 'string', default: '20' },
    'retry-delay': { type: 'string', default: '60' }, // PETREL_RETRY_FIRST_DELAY_SECONDS
    'drain-wait': { type: 'string', default: '900' }, // bound on waiting for the queue to empty, seconds
    built: { type: 'boolean', default: false }, // run dist/cli/main.js instead of src/ through tsx
    keep: { type: 'boolean', default: false },
  },
});
const num = (name: keyof typeof args): number => {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number >= 0`);
  return value;
};
const DURATION_MS = num('duration') * 1000;
const RATE = num('rate');
const USERS = Math.max(1, num('users'));
const RECIPIENTS = Math.max(1, num('recipients'));
const SESSIONS = Math.max(1, num('sessions'));
const PER_CONNECTION = Math.max(1, num('per-connection'));
const DEFER_PERCENT = num('defer-percent');
const BOUNCE_PERCENT = num('bounce-percent');
const INTERVAL_MS = num('interval') * 1000;
const WARMUP_S = num('warmup');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = args.built ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
const PASSWORD = 'Soak-Passw0rd-petrel';
const MiB = 1024 * 1024;
const RCPT_DOMAIN = 'rcpt.soak.test';

/** Sizes by weight: most mail is small; some crosses the spool's 64 KiB inline limit into body files. */
const SIZES: { bytes: number; weight: number }[] = [
  { bytes: 2 * 1024, weight: 60 },
  { bytes: 20 * 1024, weight: 25 },
  { bytes: 100 * 1024, weight: 12 },
  { bytes: 600 * 1024, weight: 3 },
];
const BODIES = new Map<number, Buffer>();

/** A small seeded PRNG (mulberry32), so a run's mix can be repeated. */
let seed = 0x5eed;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function pickSize(): number {
  let r = random() * SIZES.reduce((s, x) => s + x.weight, 0);
  for (const s of SIZES) if ((r -= s.weight) < 0) return s.bytes;
  return SIZES[0]?.bytes ?? 1024;
}

/** What the sink does with recipient number i: deterministic, so it can be counted on both sides. */
function fate(i: number): 'defer' | 'bounce' | 'accept' {
  const bucket = i % 100;
  if (bucket < DEFER_PERCENT) return 'defer';
  if (bucket < DEFER_PERCENT + BOUNCE_PERCENT) return 'bounce';
  return 'accept';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The smarthost: keeps counts only (its memory is no factor). A recipient whose fate is `defer` gets
 * 451 at its first attempt and 250 at the retry; `bounce` always gets 550; DSNs (null sender) are
 * counted apart.
 */
async function startSink() {
  const counts = { delivered: 0, deferred: 0, bounced: 0, dsns: 0 };
  const deferredOnce = new Set<string>();
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    size: 0,
    onRcptTo(address, session, callback) {
      const match = /^r(\d+)@/.exec(address.address);
      const kind = match ? fate(Number(match[1])) : 'accept';
      if (kind === 'bounce') {
        counts.bounced++;
        const err = new Error('5.1.1 no such mailbox (soak sink)') as Error & { responseCode: number };
        err.responseCode = 550;
        callback(err);
        return;
      }
      if (kind === 'defer' && !deferredOnce.has(address.address)) {
        deferredOnce.add(address.address);
        counts.deferred++;
        const err = new Error('4.2.0 try again later (soak sink)') as Error & { responseCode: number };
        err.responseCode = 451;
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        if (session.envelope.mailFrom === false || session.envelope.mailFrom.address === '') counts.dsns++;
        else counts.delivered += session.envelope.rcptTo.length;
        callback(null, 'Queued');
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { port, counts, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Petrel's own counts from /metrics: its queue by state, and recipients by delivery result. */
async function petrelCounts(port: number): Promise<{ waiting: number; results: Record<string, number> }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? 0);
  const waiting =
    value(/^petrel_queue_recipients\{state="queued"\} (\d+)$/m) +
    value(/^petrel_queue_recipients\{state="deferred"\} (\d+)$/m);
  const results: Record<string, number> = {};
  for (const m of text.matchAll(/^petrel_delivery_recipients_total\{result="(\w+)"\} (\d+)$/gm))
    results[m[1] as string] = Number(m[2]);
  return { waiting, results };
}

async function api(port: number, key: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}/v3/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': key },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

const dataDir = mkdtempSync(join(tmpdir(), 'petrel-soak-'));
const sink = await startSink();
const [httpPort, smtpPort, smtpsPort] = [await freePort(), await freePort(), await freePort()];
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PETREL_DATA_DIR: dataDir,
  PETREL_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
  PETREL_SMTP_LISTEN: `127.0.0.1:${smtpPort}`,
  PETREL_SMTPS_LISTEN: `127.0.0.1:${smtpsPort}`,
  PETREL_INBOUND_LISTEN: '127.0.0.1:0',
  PETREL_HOSTNAME: 'petrel-soak.test',
  PETREL_LOG_LEVEL: process.env.PETREL_LOG_LEVEL ?? 'warn',
  PETREL_SMARTHOST: `127.0.0.1:${sink.port}`,
  PETREL_DNS_SERVERS: '127.0.0.1:9', // nothing leaves the machine
  PETREL_DELIVERY_CONCURRENCY: args['delivery-concurrency'],
  PETREL_RETRY_FIRST_DELAY_SECONDS: args['retry-delay'],
  PETREL_API_REQUESTS_PER_MINUTE: '1000000',
};
delete env.PETREL_DATABASE_URL;
delete env.PETREL_CONFIG;

let server: ChildProcess | null = null;
try {
  const init = await promisify(execFile)(process.execPath, [...CLI, 'init', '--name', 'Soak', '--json'], {
    cwd: ROOT,
    env,
  });
  const { api_key: key } = JSON.parse(init.stdout) as { api_key: string };
  server = spawn(process.execPath, [...CLI, 'serve'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = server.pid as number;
  const started = Date.now();
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${httpPort}/healthz`).catch(() => null);
    if (up?.ok) break;
    if (Date.now() - started > 60_000 || server.exitCode !== null)
      throw new Error('petrel serve did not come up');
    await sleep(200);
  }

  // The users, through the API as an operator would add them (8 at a time: each add hashes a password).
  const usernames = Array.from({ length: USERS }, (_, i) => `soak-u${i}`);
  let nextUser = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (nextUser < usernames.length) {
        const username = usernames[nextUser++] as string;
        await api(httpPort, key, 'users/smtp/add', { username, email_password: PASSWORD });
      }
    }),
  );
  console.log(`soak: ${USERS} SMTP users added in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const t0 = Date.now();
  const sent = { messages: 0, recipients: 0, refused: 0, connectionErrors: 0, bytes: 0 };
  let claimed = 0;
  let nextRecipient = 0;
  const samples: { t: number; rss: number; delivered: number }[] = [];
  const sample = (): void => {
    const s = { t: (Date.now() - t0) / 1000, rss: rssOf(pid), delivered: sink.counts.delivered };
    samples.push(s);
    const c = sink.counts;
    console.log(
      `t=${s.t.toFixed(0).padStart(5)}s  rss=${(s.rss / MiB).toFixed(1).padStart(7)} MiB  accepted=${sent.messages}` +
        `  delivered=${c.delivered} deferred=${c.deferred} bounced=${c.bounced} dsns=${c.dsns}`,
    );
  };
  console.log(
    `soak: ${args.duration} s at ${RATE} msg/s, ${SESSIONS} sessions, ${RECIPIENTS} recipients ` +
      `(${DEFER_PERCENT}% deferred once, ${BOUNCE_PERCENT}% bounced), sizes ` +
      `${SIZES.map((s) => `${s.bytes / 1024} KiB ${s.weight}%`).join(', ')}; server pid ${pid}`,
  );
  sample();
  const timer = setInterval(sample, INTERVAL_MS);

  /** One connection as one user: up to PER_CONNECTION messages, each paced by the global rate. */
  const connection = async (): Promise<void> => {
    const user = usernames[Math.floor(random() * usernames.length)] as string;
    let client: SmtpClient;
    try {
      client = await SmtpClient.open({
        host: '127.0.0.1',
        port: smtpPort,
        tls: 'none',
        verifyCertificate: false,
        helo: 'petrel-soak.test',
        user,
        password: PASSWORD,
      });
    } catch {
      sent.connectionErrors++;
      await sleep(1000);
      return;
    }
    try {
      for (let m = 0; m < PER_CONNECTION; m++) {
        const n = claimed++;
        const due = t0 + (RATE > 0 ? (n / RATE) * 1000 : 0);
        if (due > t0 + DURATION_MS) return;
        if (due > Date.now()) await sleep(due - Date.now());
        const count = random() < 0.8 ? 1 : 1 + Math.floor(random() * 3); // 1 recipient, sometimes 2–3
        const to = Array.from({ length: count }, () => `r${nextRecipient++ % RECIPIENTS}@${RCPT_DOMAIN}`);
        const size = pickSize();
        let body = BODIES.get(size);
        if (!body)
          BODIES.set(
            size,
            (body = buildBenchMessage({ from: `${user}@soak.test`, to: ['list@soak.test'], size })),
          );
        try {
          await client.expect(`MAIL FROM:<${user}@soak.test>`, 'MAIL', 250);
          for (const r of to) await client.expect(`RCPT TO:<${r}>`, 'RCPT', 250);
          await client.expect('DATA', 'DATA', 354);
          client.send(body);
          await client.expect(null, 'DATA end', 250);
          sent.messages++;
          sent.recipients += count;
          sent.bytes += size;
        } catch {
          sent.refused++;
          return;
        }
      }
    } finally {
      client.quit();
    }
  };
  await Promise.all(
    Array.from({ length: SESSIONS }, async () => {
      while (
        Date.now() < t0 + DURATION_MS &&
        t0 + (claimed / Math.max(RATE, 1e-9)) * 1000 <= t0 + DURATION_MS
      )
        await connection();
    }),
  );
  const sendSeconds = (Date.now() - t0) / 1000;

  // The queue drains: every accepted recipient ends delivered, bounced (the sink's 5xx) or suppressed
  // (an address that bounced before is on the sender's suppression list); deferred ones after a retry.
  const drainBound = Date.now() + num('drain-wait') * 1000;
  let petrel = await petrelCounts(httpPort);
  while (petrel.waiting > 0 && Date.now() < drainBound) {
    await sleep(1000);
    petrel = await petrelCounts(httpPort);
  }
  clearInterval(timer);
  sample();

  const warm = samples.filter((s) => s.t >= WARMUP_S);
  const steady = warm.length >= 3 ? warm : samples.slice(Math.floor(samples.length / 5));
  const perMinute = (slope(steady.map((s) => ({ x: s.t / 60, y: s.rss }))) / MiB).toFixed(3);
  const perTenThousand = (slope(steady.map((s) => ({ x: s.delivered / 10_000, y: s.rss }))) / MiB).toFixed(3);
  const rss = samples.map((s) => s.rss / MiB);
  const c = sink.counts;
  const r = petrel.results;
  const finished = (r.delivered ?? 0) + (r.bounced ?? 0) + (r.suppressed ?? 0);
  // Everything accepted left the queue with a final result, and the sink got what Petrel delivered.
  const complete =
    petrel.waiting === 0 && finished >= sent.recipients && c.delivered + c.dsns >= (r.delivered ?? 0);
  console.log(
    `\nsent for ${sendSeconds.toFixed(0)} s: ${sent.messages} messages accepted (${(sent.messages / sendSeconds).toFixed(1)}/s, ` +
      `${(sent.bytes / MiB).toFixed(0)} MiB) to ${sent.recipients} recipients from ${USERS} users; ` +
      `refused ${sent.refused}, connection errors ${sent.connectionErrors}\n` +
      `sink: delivered ${c.delivered}, deferred once ${c.deferred}, bounced ${c.bounced}, DSNs ${c.dsns}\n` +
      `petrel attempt results: ${Object.entries(r)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}; ${petrel.waiting} still queued; ` +
      `${complete ? 'every accepted recipient accounted for' : 'NOT every accepted recipient accounted for'}, ` +
      `elapsed ${samples.at(-1)?.t.toFixed(0)} s\n` +
      `RSS MiB: first ${rss[0]?.toFixed(1)}, min ${Math.min(...rss).toFixed(1)}, max ${Math.max(...rss).toFixed(1)}, ` +
      `last ${rss.at(-1)?.toFixed(1)}\n` +
      `RSS slope after warm-up (${steady.length} samples from t=${steady[0]?.t.toFixed(0)} s): ${perMinute} MiB/min, ` +
      `${perTenThousand} MiB per 10,000 delivered`,
  );
  process.exitCode = complete && sent.refused === 0 && sent.messages > 0 ? 0 : 1;
} finally {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server?.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  await sink.close();
  if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
}
