// The webhook dispatcher alone (issue 13): one node in this process, one webhook, N activity events
// recorded at once through the node's EventRecorder; measures how fast the outbox drains to a receiver
// in a child process (so receiver and dispatcher do not share a CPU thread). See bench/README.md.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logger.js';
import { createMasterAccount } from '../src/operations/accounts.js';
import { startNode } from '../src/server.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '64' },
    receiver: { type: 'boolean', default: false }, // internal: run as the receiver child
  },
});

if (args.receiver) {
  const { createServer } = await import('node:http');
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      res.writeHead(200).end('ok');
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', () => process.send?.({ calls }));
} else {
  const N = Number(args.events);
  const child = fork(new URL(import.meta.url).pathname, ['--receiver'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m: { port: number }) => resolve(m.port)),
  );
  const callsSoFar = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m: { calls: number }) => resolve(m.calls));
      child.send('count');
    });
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-bench-dispatch-'));
  const config = loadConfig({
    env: {
      PETREL_DATA_DIR: dataDir,
      PETREL_HTTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTP_LISTEN: '127.0.0.1:0',
      PETREL_INBOUND_LISTEN: '127.0.0.1:0',
      PETREL_SMTPS_LISTEN: '127.0.0.1:0',
      PETREL_LOG_LEVEL: 'warn',
      PETREL_DELIVERY_CONCURRENCY: '0',
      PETREL_WEBHOOK_ALLOW_PRIVATE: 'true',
      PETREL_WEBHOOK_CONCURRENCY: args.concurrency,
      ...(process.env.PETREL_DATABASE_URL ? { PETREL_DATABASE_URL: process.env.PETREL_DATABASE_URL } : {}),
    },
  });
  const node = await startNode(config, createLogger('warn'));
  try {
    const master = await createMasterAccount(node.ops, 'Bench');
    const added = await fetch(`${node.httpUrl}/v3/webhook/add`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': master.api_key },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/hook`, output_format: 'json' }),
    });
    if (added.status !== 200) throw new Error(await added.text());
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    node.events.add(
      Array.from({ length: N }, (_, i) => ({
        accountId: master.account_id,
        event: 'delivered' as const,
        emailId: 'm3x0q1b2c4k9d8e7f6a5',
        username: 'bench',
        sender: 'a@example.com',
        recipient: `r${i}@example.net`,
        subject: 'dispatch bench',
      })),
    );
    await node.events.idle();
    const recorded = Date.now();
    const cpuRecorded = process.cpuUsage(cpu0);
    const callsAtRecorded = await callsSoFar();
    let calls = 0;
    while ((calls = await callsSoFar()) < N && Date.now() - t0 < 120_000)
      await new Promise((r) => setTimeout(r, 100));
    const seconds = (Date.now() - t0) / 1000;
    // CPU time (user + system) of this process — the node — per call: a figure that does not depend on
    // how busy the machine is, unlike calls/s. The drain figure leaves out the recording of the events.
    const cpuAll = process.cpuUsage(cpu0);
    const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
    const drainCalls = Math.max(1, calls - callsAtRecorded);
    console.log(
      `${N} events (${node.store.dialect}), recorded with their outbox rows in ${recorded - t0} ms; ` +
        `${calls} calls in ${seconds.toFixed(1)} s = ${Math.round(calls / seconds)} calls/s ` +
        `(concurrency ${args.concurrency})`,
    );
    console.log(
      `node CPU: ${(ms(cpuAll) / calls).toFixed(3)} ms per call in all (recording ${ms(cpuRecorded).toFixed(0)} ms); ` +
        `${((ms(cpuAll) - ms(cpuRecorded)) / drainCalls).toFixed(3)} ms per call while draining ` +
        `(${drainCalls} calls); load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
    );
  } finally {
    await node.close();
    child.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
