// Soak run (issue 5): N messages (default 100,000) through a real `petrel serve` process, relayed by its
// delivery worker to a counting smarthost sink; the server's RSS is sampled from /proc at intervals and
// fitted with a least-squares line, whose slope says whether memory trends upward. See bench/README.md.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { runBench } from '../src/bench/run.js';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    sessions: { type: 'string', default: '20' },
    size: { type: 'string', default: '1024' },
    'delivery-concurrency': { type: 'string', default: '20' },
    interval: { type: 'string', default: '5' }, // seconds between RSS samples
    duration: { type: 'string', default: '3600' }, // hard bound on the sending, seconds
    'drain-wait': { type: 'string', default: '600' }, // bound on waiting for the sink, seconds
    built: { type: 'boolean', default: false }, // run dist/cli/main.js instead of src/ through tsx
    keep: { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(args.messages);
const INTERVAL_MS = Number(args.interval) * 1000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = args.built ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
const PASSWORD = 'Soak-Passw0rd-petrel';
const MiB = 1024 * 1024;

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

/** A smarthost that takes everything and keeps only a count, so the sink's memory is no factor. */
async function startSink(): Promise<{ port: number; delivered: () => number; close: () => Promise<void> }> {
  let delivered = 0;
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        delivered += session.envelope.rcptTo.length;
        callback(null, 'Queued');
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { port, delivered: () => delivered, close: () => new Promise((r) => server.close(() => r())) };
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
  PETREL_API_REQUESTS_PER_MINUTE: '100000',
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
    const up = await fetch(`http://127.0.0.1:${httpPort}/v3/users/smtp/view`, { method: 'POST' }).catch(
      () => null,
    );
    if (up) break;
    if (Date.now() - started > 60_000 || server.exitCode !== null)
      throw new Error('petrel serve did not come up');
    await new Promise((r) => setTimeout(r, 200));
  }
  const added = await fetch(`http://127.0.0.1:${httpPort}/v3/users/smtp/add`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': key },
    body: JSON.stringify({ username: 'soak-sender', email_password: PASSWORD }),
  });
  if (added.status !== 200) throw new Error(`users/smtp/add answered ${added.status}: ${await added.text()}`);

  const t0 = Date.now();
  const samples: { t: number; rss: number; delivered: number }[] = [];
  const sample = (): void => {
    const s = { t: (Date.now() - t0) / 1000, rss: rssOf(pid), delivered: sink.delivered() };
    samples.push(s);
    console.log(
      `t=${s.t.toFixed(0).padStart(5)}s  rss=${(s.rss / MiB).toFixed(1).padStart(7)} MiB  delivered=${s.delivered}`,
    );
  };
  console.log(`soak: ${MESSAGES} messages of ${args.size} B, ${args.sessions} sessions, server pid ${pid}`);
  sample();
  const timer = setInterval(sample, INTERVAL_MS);
  const result = await runBench({
    host: '127.0.0.1',
    port: smtpPort,
    tls: 'none',
    verifyCertificate: false,
    user: 'soak-sender',
    password: PASSWORD,
    sessions: Number(args.sessions),
    messages: MESSAGES,
    size: Number(args.size),
    recipients: 1,
    durationSeconds: Number(args.duration),
    from: 'soak@example.test',
    to: 'rcpt@example.test',
    helo: 'petrel-soak.test',
  });
  const drainBound = Date.now() + Number(args['drain-wait']) * 1000;
  while (sink.delivered() < result.accepted && Date.now() < drainBound)
    await new Promise((r) => setTimeout(r, 200));
  clearInterval(timer);
  sample();

  // The first fifth is warm-up (JIT, caches, pools filling); the trend is read over the rest.
  const steady = samples.slice(Math.floor(samples.length / 5));
  const perMinute = (slope(steady.map((s) => ({ x: s.t / 60, y: s.rss }))) / MiB).toFixed(3);
  const perTenThousand = (slope(steady.map((s) => ({ x: s.delivered / 10_000, y: s.rss }))) / MiB).toFixed(3);
  const rss = samples.map((s) => s.rss / MiB);
  console.log(
    `\naccepted ${result.accepted}/${MESSAGES} (${result.acceptedPerSecond}/s), failed ${result.failed}, ` +
      `delivered ${sink.delivered()}, elapsed ${samples.at(-1)?.t.toFixed(0)} s\n` +
      `RSS MiB: first ${rss[0]?.toFixed(1)}, min ${Math.min(...rss).toFixed(1)}, max ${Math.max(...rss).toFixed(1)}, ` +
      `last ${rss.at(-1)?.toFixed(1)}\n` +
      `RSS slope after warm-up (${steady.length} samples): ${perMinute} MiB/min, ${perTenThousand} MiB per 10,000 delivered`,
  );
  process.exitCode = result.accepted === MESSAGES && sink.delivered() >= MESSAGES ? 0 : 1;
} finally {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server?.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  await sink.close();
  if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
}
