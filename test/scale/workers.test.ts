// PETREL_WORKERS (docs/workers.md): one `petrel serve` runs several worker processes that share the
// listeners, each with a spool shard of its own. What one process did alone must still hold for the node
// as a whole: every accepted message delivered, the per-address guards counting every worker's
// connections and logins, /metrics and sandbox/search seeing every shard, and a node restarted with
// fewer workers still delivering what the shards beyond them hold.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import nodemailer from 'nodemailer';
import { createInstallation, runCli, type Installation } from '../cli/cli-harness.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import {
  allocatePorts,
  callApi,
  childrenOf,
  startPetrel,
  type PetrelProcess,
  type Ports,
} from '../helpers/petrel-process.js';
import { WORKER_SEMI_SPACE_MIB } from '../../src/workers/worker-heap.js';

const PASSWORD = 'Tr0ub4dor&3x-petrel';
const MESSAGES = 8;
/** Requests per API key per minute in the first test; it spends 8 before the burst. */
const API_LIMIT = 30;

let installation: Installation;
let sink: SmtpPeer;
let node: PetrelProcess | null = null;
let key: string;
let ports: Ports;

before(async () => {
  installation = await createInstallation();
  sink = await startSmtpPeer();
  ({ api_key: key } = await installation.init());
  [ports] = (await allocatePorts(1)) as [Ports];
});
after(async () => {
  await node?.kill('SIGKILL');
  await sink?.close();
  await installation?.cleanup();
});

function env(extra: Record<string, string>): Record<string, string> {
  return {
    ...installation.env,
    PETREL_SMARTHOST: `127.0.0.1:${sink.port}`,
    PETREL_DELIVERY_POLL_SECONDS: '1',
    PETREL_SMTP_MAX_CONNECTIONS_PER_IP: '3',
    PETREL_SMTP_AUTH_FAILURE_LIMIT: '2',
    PETREL_SMTP_AUTH_BLOCK_SECONDS: '2',
    PETREL_API_REQUESTS_PER_MINUTE: String(API_LIMIT),
    // The supervisor's "running with N workers" line, waited for below.
    PETREL_LOG_LEVEL: 'info',
    ...extra,
  };
}

/** One message on a connection of its own (the listeners hand connections to the workers in turn). */
async function send(user: string, password: string, n: number): Promise<string> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: ports.smtp,
    secure: false,
    ignoreTLS: true,
    auth: { user, pass: password },
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: 'app@example.com', to: [`r${n}@example.net`] },
      raw: `From: <app@example.com>\r\nTo: <r${n}@example.net>\r\nSubject: workers ${n}\r\n\r\nbody ${n}\r\n`,
    });
    return info.response;
  } finally {
    transport.close();
  }
}

/** Opens a connection and resolves with it and its greeting line. */
function greet(): Promise<{ line: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const socket = connect(ports.smtp, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (d: string) => {
      text += d;
      const end = text.indexOf('\r\n');
      if (end >= 0) resolve({ line: text.slice(0, end), close: () => socket.destroy() });
    });
  });
}

/** Waits until the node's output matches (the start-up of every worker, say). */
async function waitForOutput(pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!pattern.test(node?.output() ?? '')) {
    assert.ok(Date.now() < deadline, `never logged ${String(pattern)}:\n${node?.output() ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** POSTs on a connection of its own, so that successive requests land on the workers in turn. */
function postAlone(path: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: ports.http,
        path: `/v3${path}`,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': key },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${node?.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

test('two workers: both shards take mail; guards, metrics and sandbox/search cover the whole node', async (t) => {
  node = await startPetrel(env({ PETREL_WORKERS: '2', PETREL_DELIVERY_CONCURRENCY: '0' }), ports);
  t.after(() => node?.kill('SIGKILL'));
  // /healthz answers once the first worker listens; the second starts after it.
  await waitForOutput(/Petrel is running with 2 workers/);
  const workerPids = childrenOf(node.child.pid ?? 0);
  assert.equal(workerPids.length, 2, 'the supervisor runs two workers');
  for (const pid of workerPids) {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.ok(
      argv.includes(`--max-semi-space-size=${WORKER_SEMI_SPACE_MIB}`),
      `worker flags: ${argv.join(' ')}`,
    );
  }
  for (const [username, status] of [
    ['app-sender', 'allowed'],
    ['trial-sender', 'sandbox'],
  ]) {
    const added = await callApi(node, key, '/users/smtp/add', { username, email_password: PASSWORD, status });
    assert.equal(added.status, 200, JSON.stringify(added.body));
  }

  for (let n = 0; n < MESSAGES; n++) assert.match(await send('app-sender', PASSWORD, n), /^250 /);
  for (let n = 0; n < 2; n++) assert.match(await send('trial-sender', PASSWORD, 100 + n), /^250 /);

  const listed = await runCli(['queue', 'list', '--state', 'all', '--json'], installation.env);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = JSON.parse(listed.stdout) as { shard: number; state: string }[];
  assert.equal(rows.length, MESSAGES + 2);
  assert.deepEqual(new Set(rows.map((r) => r.shard)), new Set([0, 1]), node.output());

  // The scrape lands on one worker and answers for both.
  assert.equal(await metric('petrel_smtp_messages_accepted_total'), MESSAGES + 2);

  // Both sandboxed messages are listed whichever worker answers, twice over to reach both.
  for (let i = 0; i < 2; i++) {
    const held = await callApi(node, key, '/sandbox/search', {});
    assert.equal(held.status, 200, JSON.stringify(held.body));
    assert.equal(held.body.data.messages.length, 2);
    for (const { email_id } of held.body.data.messages as { email_id: string }[]) {
      const viewed = await callApi(node, key, '/sandbox/view', { email_id });
      assert.equal(viewed.status, 200, JSON.stringify(viewed.body));
    }
  }

  // Connections per address are counted over the node: three open (on both workers), the fourth refused.
  // The sessions above were given back when they closed, over IPC: let that settle first.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const open = await Promise.all([greet(), greet(), greet()]);
  try {
    for (const { line } of open) assert.match(line, /^220 /);
    const fourth = await greet();
    fourth.close();
    assert.match(fourth.line, /^421 4\.7\.0/);
  } finally {
    for (const c of open) c.close();
  }

  // Failed logins too: one on each worker reaches the limit of two, and the next connection is refused.
  await new Promise((resolve) => setTimeout(resolve, 200)); // the closed connections are given back
  for (let n = 0; n < 2; n++) await assert.rejects(send('app-sender', 'wrong password', n), /535/);
  const blocked = await greet();
  blocked.close();
  assert.match(blocked.line, /^421 4\.7\.0/);

  // The per-key API limit counts the requests of both workers together (8 spent above).
  let admitted = 8;
  for (let i = 0; i < API_LIMIT; i++) {
    const status = await postAlone('/users/smtp/view', {});
    if (status === 429) break;
    assert.equal(status, 200);
    admitted++;
  }
  assert.ok(admitted <= API_LIMIT, `${admitted} requests admitted under a limit of ${API_LIMIT}`);
  assert.ok(admitted >= API_LIMIT - 2, `refused early: only ${admitted} of ${API_LIMIT} admitted`);

  const stopped = await node.kill('SIGTERM');
  assert.equal(stopped.code, 0, node.output());
});

test('restarted with one worker, the node still serves the second shard until it is delivered', async (t) => {
  node = await startPetrel(env({ PETREL_WORKERS: '1', PETREL_DELIVERY_CONCURRENCY: '4' }), ports);
  t.after(() => node?.kill('SIGKILL'));
  // The supervisor says why it runs a second worker all the same.
  await waitForOutput(/spool\.1 still holds \d+ message/);
  const deadline = Date.now() + 30_000;
  while (sink.messages.length < MESSAGES && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 200));
  const seqs = sink.messages
    .map((m) => /^Subject: workers (\d+)\r?$/m.exec(m.data.toString('latin1'))?.[1])
    .sort();
  assert.deepEqual(seqs, [...Array(MESSAGES).keys()].map(String).sort(), node.output());
  const stopped = await node.kill('SIGTERM');
  assert.equal(stopped.code, 0, node.output());
});
