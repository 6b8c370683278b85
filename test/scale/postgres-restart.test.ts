// PostgreSQL restarted under load (SPEC §4.3): the node stays up, answers 4xx meanwhile, recovers, loses no 250.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { runCli } from '../cli/cli-harness.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import {
  allocatePorts,
  callApi,
  startPetrel,
  type PetrelProcess,
  type Ports,
} from '../helpers/petrel-process.js';
import {
  privatePostgresUnavailable,
  startPrivatePostgres,
  type PrivatePostgres,
} from '../helpers/private-postgres.js';

/** Bounds of the load: at most this many messages, at most ATTEMPTS tries in all, none after LOAD_MS. */
const TOTAL = 150;
const ATTEMPTS = 1500;
const LOAD_MS = 90_000;
/** The database goes down once this many messages were acknowledged. */
const STOP_AFTER_ACKED = 50;
/** It stays down at least OUTAGE_MIN_MS and until this many SMTP answers were seen during the outage (or OUTAGE_MAX_MS passed). */
const OUTAGE_MIN_MS = 2_000;
const OUTAGE_ANSWERS = 6;
const OUTAGE_MAX_MS = 20_000;
/** Waits for /healthz to change, and for the sink to receive every acknowledged message. */
const HEALTH_MS = 60_000;
const DRAIN_MS = 60_000;
/** A client backs off this long after a refusal before trying the same message again. */
const BACKOFF_MS = 200;
/** No SMTP answer may take longer than this (nodemailer's socket timeout): a hang fails the test. */
const ANSWER_BOUND_MS = 15_000;
const PASSWORD = 'Tr0ub4dor&3x-petrel';
const skip = privatePostgresUnavailable();

/** `starting`: pg_ctl start is running, and the node may already reach the database again. */
type Phase = 'up' | 'down' | 'starting' | 'back';

interface Answer {
  phase: Phase;
  client: string;
  code: number | null;
  error: string | null;
}

function messageFor(seq: number): string {
  return (
    `From: <load@example.com>\r\nTo: <r${seq}@example.net>\r\nSubject: pg restart ${seq}\r\n` +
    `X-Seq: ${seq}\r\n\r\nmessage ${seq}\r\n`
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let root: string;
let database: PrivatePostgres | null = null;
let sink: SmtpPeer;
let node: PetrelProcess | null = null;

before(async () => {
  if (skip) return;
  root = mkdtempSync(join(tmpdir(), 'petrel-pg-restart-'));
  sink = await startSmtpPeer();
  database = await startPrivatePostgres();
});
after(async () => {
  await node?.kill('SIGKILL');
  await sink?.close();
  await database?.destroy();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function health(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(ANSWER_BOUND_MS) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0; // no answer within the bound
  }
}

/** Polls /healthz until `want` holds, within HEALTH_MS (and while `alive`); returns whether it did. */
async function waitForHealth(
  url: string,
  want: (status: number) => boolean,
  alive: () => boolean,
): Promise<boolean> {
  const ends = Date.now() + HEALTH_MS;
  while (Date.now() < ends && alive()) {
    if (want(await health(url))) return true;
    await sleep(100);
  }
  return false;
}

test(
  'PostgreSQL restarted under load: the node stays up, answers 4xx, recovers, loses nothing',
  { skip: skip ?? false },
  async (t) => {
    const db = database as PrivatePostgres;
    const env = {
      PETREL_DATA_DIR: join(root, 'data'),
      PETREL_HOSTNAME: 'petrel.test',
      PETREL_DATABASE_URL: db.url,
      PETREL_SMARTHOST: `127.0.0.1:${sink.port}`,
      PETREL_DELIVERY_CONCURRENCY: '2',
      PETREL_DELIVERY_POLL_SECONDS: '1',
      // Mail deferred while the suppression list cannot be read comes back within seconds, not a minute.
      PETREL_RETRY_FIRST_DELAY_SECONDS: '1',
      PETREL_RETRY_MAX_DELAY_SECONDS: '2',
    };
    const init = await runCli(['init', '--json'], env);
    assert.equal(init.code, 0, init.stderr);
    const { api_key: key } = JSON.parse(init.stdout) as { api_key: string };
    const [ports] = (await allocatePorts(1)) as [Ports];
    node = await startPetrel(env, ports);
    const running = node;
    let exited: string | null = null;
    void running.exited.then((e) => (exited = `code ${e.code}, signal ${e.signal}`));
    const alive = () => exited === null;
    const added = await callApi(running, key, '/users/smtp/add', {
      username: 'pg-restart',
      email_password: PASSWORD,
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));

    let phase: Phase = 'up';
    const answers: Answer[] = [];
    const acked = new Map<number, string>();
    let nextSeq = 0;
    let attempts = 0;
    let outageAnswers = 0;
    let ackWaiter: { count: number; resolve: () => void } | null = null;
    let outageWaiter: (() => void) | null = null;
    const loadEnds = Date.now() + LOAD_MS;

    // Two clients keep one session open across the outage (pooled), one opens a new session (AUTH) per
    // message: both a logged-in session and a fresh login meet the database being down.
    const client = async (name: string, pooled: boolean) => {
      const options = {
        host: '127.0.0.1',
        port: ports.smtp,
        secure: false,
        ignoreTLS: true,
        auth: { user: 'pg-restart', pass: PASSWORD },
        connectionTimeout: ANSWER_BOUND_MS,
        greetingTimeout: ANSWER_BOUND_MS,
        socketTimeout: ANSWER_BOUND_MS,
      };
      const transport = pooled
        ? nodemailer.createTransport({ ...options, pool: true, maxConnections: 1, maxMessages: Infinity })
        : nodemailer.createTransport(options);
      try {
        let seq: number | null = null;
        while (attempts < ATTEMPTS && Date.now() < loadEnds && exited === null) {
          seq ??= nextSeq < TOTAL ? nextSeq++ : null;
          if (seq === null) break;
          attempts++;
          let answer: Answer;
          try {
            const info = await transport.sendMail({
              envelope: { from: 'load@example.com', to: [`r${seq}@example.net`] },
              raw: messageFor(seq),
            });
            const id = /^250 2\.0\.0 OK id=(\S+)$/.exec(info.response)?.[1];
            assert.ok(id, `unexpected reply to DATA: ${info.response}`);
            acked.set(seq, id);
            answer = {
              phase,
              client: name,
              code: 250,
              error: null,
            };
            seq = null;
          } catch (err) {
            if ((err as { code?: string }).code === 'ERR_ASSERTION') throw err;
            const e = err as { responseCode?: number; code?: string; message?: string };
            answer = {
              phase,
              client: name,
              code: typeof e.responseCode === 'number' ? e.responseCode : null,
              error: `${e.code ?? ''} ${e.message ?? String(err)}`.trim(),
            };
          }
          answers.push(answer);
          if (answer.phase === 'down') outageAnswers++;
          if (outageAnswers >= OUTAGE_ANSWERS) outageWaiter?.();
          if (ackWaiter && acked.size >= ackWaiter.count) ackWaiter.resolve();
          if (answer.code !== 250) await sleep(BACKOFF_MS); // a client's back-off; the same seq again
        }
      } finally {
        transport.close();
      }
    };
    const loadDone = Promise.all([
      client('pooled-1', true),
      client('pooled-2', true),
      client('fresh', false),
    ]);

    await Promise.race([
      new Promise<void>((resolve) => (ackWaiter = { count: STOP_AFTER_ACKED, resolve })),
      loadDone,
    ]);
    ackWaiter = null;
    assert.ok(acked.size >= STOP_AFTER_ACKED, `the load did not get going: ${acked.size} acknowledged`);

    // The outage: pg_ctl stop -m fast cuts every connection of the node's pool.
    phase = 'down';
    await db.stop();
    const deliveredAtStop = sink.messages.length;
    const unhealthy = await waitForHealth(running.httpUrl, (s) => s !== 200 && s !== 0, alive);
    const outageHealth = await health(running.httpUrl);
    await Promise.race([sleep(OUTAGE_MIN_MS), running.exited]);
    let outageTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (outageWaiter = resolve)),
      new Promise((resolve) => (outageTimer = setTimeout(resolve, OUTAGE_MAX_MS))),
      loadDone,
      running.exited,
    ]);
    clearTimeout(outageTimer);
    outageWaiter = null;
    const deliveredInOutage = sink.messages.length - deliveredAtStop;
    phase = 'starting';
    await db.start();
    phase = 'back';

    const healthy = await waitForHealth(running.httpUrl, (s) => s === 200, alive);
    await loadDone;

    // Every acknowledged message reaches the sink: delivery needs the spool, not the database.
    const drainEnds = Date.now() + DRAIN_MS;
    const delivered = () =>
      new Set(sink.messages.map((m) => Number(/^X-Seq: (\d+)\r?$/m.exec(m.data.toString('latin1'))?.[1])));
    while (Date.now() < drainEnds && alive() && [...acked.keys()].some((seq) => !delivered().has(seq))) {
      await sleep(250);
    }
    const seen = delivered();
    const lost = [...acked.keys()].filter((seq) => !seen.has(seq));

    const during = answers.filter((a) => a.phase === 'down');
    const tempDuring = during.filter((a) => a.code !== null && a.code >= 400 && a.code < 500);
    const okDuring = during.filter((a) => a.code === 250);
    const permanent = answers.filter((a) => a.code !== null && a.code >= 500);
    const noAnswer = answers.filter((a) => a.code === null);
    const backFresh = answers.filter((a) => a.phase === 'back' && a.client === 'fresh' && a.code === 250);
    const backPooled = answers.filter((a) => a.phase === 'back' && a.client !== 'fresh' && a.code === 250);
    const tempBack = answers.filter((a) => a.phase === 'back' && a.code !== 250 && a.code !== null);
    if (tempDuring[0]) t.diagnostic(`a reply during the outage: ${tempDuring[0].error}`);
    t.diagnostic(
      `postgres-restart: sent ${nextSeq} (${attempts} attempts), 250'd ${acked.size}, ` +
        `answers during outage ${during.length} (4xx ${tempDuring.length}, 250 ${okDuring.length}), 4xx after it ${tempBack.length}, ` +
        `5xx ${permanent.length}, no answer ${noAnswer.length}, delivered ${sink.messages.length} ` +
        `(${deliveredInOutage} during outage), lost ${lost.length}, /healthz during outage ${outageHealth}`,
    );
    for (const a of [...permanent, ...noAnswer].slice(0, 5))
      t.diagnostic(`${a.phase} ${a.client}: ${a.code ?? ''} ${a.error ?? ''}`);

    assert.equal(exited, null, `the node exited:\n${running.output()}`);
    assert.ok(unhealthy, `/healthz kept answering 200 (or nothing) while PostgreSQL was down`);
    assert.ok(healthy, `/healthz did not answer 200 again after PostgreSQL came back:\n${running.output()}`);
    assert.deepEqual(
      permanent.map((a) => `${a.phase} ${a.client}: ${a.code} ${a.error}`),
      [],
      'permanent (5xx) answers',
    );
    assert.deepEqual(
      noAnswer.map((a) => `${a.phase} ${a.client}: ${a.error}`),
      [],
      'sessions that got no SMTP answer (a hang, or a dropped connection)',
    );
    assert.ok(tempDuring.length > 0, 'no SMTP client met the outage (no 4xx while PostgreSQL was down)');
    assert.ok(backFresh.length > 0, 'no new session (AUTH + message) succeeded after PostgreSQL came back');
    assert.ok(backPooled.length > 0, 'no session open across the outage sent again after it');
    assert.equal(nextSeq, TOTAL, `the load did not finish: ${nextSeq} of ${TOTAL} messages sent`);
    assert.equal(acked.size, TOTAL, `${TOTAL - acked.size} messages never got a 250`);
    assert.deepEqual(
      lost.map((seq) => `${seq} (id ${acked.get(seq)})`),
      [],
      'messages answered 250 never reached the sink',
    );
  },
);
