// Webhooks under mail load (issue 13): the same SMTP load through a real `petrel serve` twice, with no
// webhook and with one webhook that takes every event (processed + delivered: two calls a message), to
// a receiver in a process of its own that answers 200 and counts. Prints mail and webhook-call rates per
// arm. `petrel serve` runs with PETREL_WORKERS from the environment (default: the number of cores).
// See bench/README.md.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { runBench } from '../src/bench/run.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '30' }, // seconds of mail load per arm (the brief: ≤ 60)
    sessions: { type: 'string', default: '20' },
    'delivery-concurrency': { type: 'string', default: '20' },
    'webhook-concurrency': { type: 'string', default: '64' },
    arms: { type: 'string', default: 'off,on' },
    // Offered mail load in messages a second (petrel bench --rate); absent: as fast as Petrel answers.
    rate: { type: 'string' },
  },
});
const DURATION = Number(args.duration);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const PASSWORD = 'Bench-Passw0rd-petrel';

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

async function startSink() {
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
  return { port, delivered: () => delivered, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The receiver, in its own process (bench/support/webhook-receiver.ts); counts are asked for over IPC. */
async function startReceiver() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/support/webhook-receiver.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m: { type?: string; url?: string }) => {
      if (m.type === 'url' && m.url) resolve(m.url);
    });
  });
  let last = { calls: 0, distinct: 0 };
  const count = () =>
    new Promise<{ calls: number; distinct: number }>((resolve) => {
      const onMessage = (m: { type?: string; calls?: number; distinct?: number }) => {
        if (m.type !== 'count') return;
        child.off('message', onMessage);
        last = { calls: m.calls ?? 0, distinct: m.distinct ?? 0 };
        resolve(last);
      };
      child.on('message', onMessage);
      child.send({ type: 'count' });
    });
  return {
    url,
    calls: async () => (await count()).calls,
    distinct: () => last.distinct,
    close: () =>
      new Promise<void>((r) => {
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

interface ArmResult {
  arm: string;
  accepted: number;
  acceptedPerSecond: number;
  deliveredPerSecond: number;
  callsInWindow: number;
  callsPerSecond: number;
  drainSeconds: number;
  callsTotal: number;
  duplicates: number;
}

async function runArm(arm: 'off' | 'on'): Promise<ArmResult> {
  const dataDir = mkdtempSync(join(tmpdir(), `petrel-bench-wh-${arm}-`));
  const sink = await startSink();
  const receiver = await startReceiver();
  const [httpPort, smtpPort, smtpsPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PETREL_DATA_DIR: dataDir,
    PETREL_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
    PETREL_SMTP_LISTEN: `127.0.0.1:${smtpPort}`,
    PETREL_INBOUND_LISTEN: '127.0.0.1:0',
    PETREL_SMTPS_LISTEN: `127.0.0.1:${smtpsPort}`,
    PETREL_HOSTNAME: 'petrel-bench.test',
    PETREL_LOG_LEVEL: 'warn',
    PETREL_SMARTHOST: `127.0.0.1:${sink.port}`,
    PETREL_DNS_SERVERS: '127.0.0.1:9',
    PETREL_DELIVERY_CONCURRENCY: args['delivery-concurrency'],
    PETREL_API_REQUESTS_PER_MINUTE: '100000',
    PETREL_WEBHOOK_ALLOW_PRIVATE: 'true',
    PETREL_WEBHOOK_CONCURRENCY: args['webhook-concurrency'],
  };
  delete env.PETREL_DATABASE_URL;
  delete env.PETREL_CONFIG;
  let server: ChildProcess | null = null;
  try {
    const init = await promisify(execFile)(process.execPath, [...CLI, 'init', '--name', 'Bench', '--json'], {
      cwd: ROOT,
      env,
    });
    const { api_key: key } = JSON.parse(init.stdout) as { api_key: string };
    server = spawn(process.execPath, [...CLI, 'serve'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const api = (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${httpPort}/v3${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': key },
        body: JSON.stringify(body),
      });
    const started = Date.now();
    while (!(await fetch(`http://127.0.0.1:${httpPort}/healthz`).catch(() => null))?.ok) {
      if (Date.now() - started > 60_000) throw new Error('petrel serve did not come up');
      await new Promise((r) => setTimeout(r, 200));
    }
    // /healthz answers once one worker listens (PETREL_WORKERS, docs/workers.md); the sessions stay on the
    // worker that took them, so the load waits until the others are surely up too.
    await new Promise((r) => setTimeout(r, 3000));
    if ((await api('/users/smtp/add', { username: 'bench-sender', email_password: PASSWORD })).status !== 200)
      throw new Error('users/smtp/add failed');
    if (arm === 'on') {
      const added = await api('/webhook/add', { url: receiver.url, output_format: 'json' });
      if (added.status !== 200) throw new Error(`webhook/add failed: ${await added.text()}`);
    }
    const t0 = Date.now();
    const result = await runBench({
      host: '127.0.0.1',
      port: smtpPort,
      tls: 'none',
      verifyCertificate: false,
      user: 'bench-sender',
      password: PASSWORD,
      sessions: Number(args.sessions),
      messages: 100_000_000,
      size: 1024,
      recipients: 1,
      durationSeconds: DURATION,
      ...(args.rate === undefined ? {} : { ratePerSecond: Number(args.rate) }),
      from: 'bench@example.test',
      to: 'rcpt@example.test',
      helo: 'petrel-bench.test',
    });
    const windowSeconds = (Date.now() - t0) / 1000;
    const deliveredInWindow = sink.delivered();
    const callsInWindow = await receiver.calls();
    // Then the rest drains: every message delivered, every call made (two per message when on).
    const wanted = arm === 'on' ? result.accepted * 2 : 0;
    const drainStart = Date.now();
    while (
      (sink.delivered() < result.accepted || (await receiver.calls()) < wanted) &&
      Date.now() - drainStart < 120_000
    )
      await new Promise((r) => setTimeout(r, 100));
    const callsTotal = await receiver.calls();
    return {
      arm,
      accepted: result.accepted,
      acceptedPerSecond: result.acceptedPerSecond,
      deliveredPerSecond: Math.round(deliveredInWindow / windowSeconds),
      callsInWindow,
      callsPerSecond: Math.round(callsInWindow / windowSeconds),
      drainSeconds: Math.round((Date.now() - drainStart) / 100) / 10,
      callsTotal,
      duplicates: callsTotal - receiver.distinct(),
    };
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    await sink.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results: ArmResult[] = [];
for (const arm of args.arms.split(',') as ('off' | 'on')[]) {
  console.log(`arm ${arm}: ${DURATION} s of SMTP load, ${args.sessions} sessions, 1 KiB messages…`);
  results.push(await runArm(arm));
}
console.log(
  '\narm  accepted  accepted/s  delivered/s  webhook calls (window)  calls/s  drain s  calls total  duplicates',
);
for (const r of results)
  console.log(
    `${r.arm.padEnd(4)} ${String(r.accepted).padStart(8)} ${String(r.acceptedPerSecond).padStart(11)} ` +
      `${String(r.deliveredPerSecond).padStart(12)} ${String(r.callsInWindow).padStart(23)} ` +
      `${String(r.callsPerSecond).padStart(8)} ${String(r.drainSeconds).padStart(8)} ` +
      `${String(r.callsTotal).padStart(12)} ${String(r.duplicates).padStart(11)}`,
  );
const [off, on] = [results.find((r) => r.arm === 'off'), results.find((r) => r.arm === 'on')];
if (off && on)
  console.log(
    `\nmail rate with webhooks on vs off: ${on.acceptedPerSecond} vs ${off.acceptedPerSecond} accepted/s ` +
      `(${(((on.acceptedPerSecond - off.acceptedPerSecond) / off.acceptedPerSecond) * 100).toFixed(1)} %)`,
  );
