// GET /metrics (SPEC §1.7): after real SMTP traffic and a delivery to a real sink, every Petrel series
// has moved; with PETREL_METRICS_TOKEN set, a scrape without the bearer token is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import {
  PASSWORD,
  addSmtpUser,
  plainMessage,
  receivedBy,
  startDeliveryWorld,
  submit,
  until,
} from '../e2e/delivery-world.js';

const TOKEN = 'metrics-token-for-tests';

/** The value of one sample line, e.g. `petrel_queue_recipients{state="queued"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** One SMTP transaction that is expected to fail; resolves to the server's reply code. */
async function refusedCode(port: number, user: string, password: string): Promise<number> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    auth: { user, pass: password },
  });
  try {
    await transport.sendMail({
      envelope: { from: 'shop@sender.test', to: ['buyer@sink.test'] },
      raw: plainMessage('shop@sender.test', 'buyer@sink.test', 'Refused'),
    });
    assert.fail('the transaction was accepted');
  } catch (err) {
    return (err as { responseCode?: number }).responseCode ?? 0;
  } finally {
    transport.close();
  }
}

test('/metrics counts accepted, refused and delivered mail, the queue and the latencies', async (t) => {
  const world = await startDeliveryWorld({
    zone: {
      'sink.test': { MX: [{ preference: 10, exchange: 'mx.sink.test' }] },
      'mx.sink.test': { A: ['127.0.0.30'] },
    },
    peers: [{ host: '127.0.0.30' }],
    env: { PETREL_METRICS_TOKEN: TOKEN },
  });
  t.after(() => world.stop());
  const scrape = async (headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => {
    const response = await fetch(`${world.node.httpUrl}/metrics`, { headers });
    return { status: response.status, text: await response.text() };
  };

  assert.equal((await scrape({})).status, 401);
  assert.equal((await scrape({ authorization: 'Bearer wrong' })).status, 401);
  const before = await scrape();
  assert.equal(before.status, 200);
  assert.equal(sample(before.text, 'petrel_smtp_messages_accepted_total'), 0);

  await addSmtpUser(world.node, 'metrics-sender');
  await addSmtpUser(world.node, 'metrics-blocked', { status: 'blocked' });
  const id = await submit(world.smtpPort, {
    user: 'metrics-sender',
    from: 'shop@sender.test',
    to: ['buyer@sink.test'],
    raw: plainMessage('shop@sender.test', 'buyer@sink.test', 'Metrics'),
  });
  assert.equal(await refusedCode(world.smtpPort, 'metrics-blocked', PASSWORD), 550);
  assert.equal(await refusedCode(world.smtpPort, 'metrics-sender', 'not-the-password'), 535);
  const delivered = await receivedBy(world.peer('127.0.0.30'), 'buyer@sink.test');
  assert.match(delivered.data.toString(), /Subject: Metrics/);

  // The counter moves once the outcome is recorded, just after the sink's 250.
  const after = await until('the delivery to be counted', async () => {
    const s = await scrape();
    return sample(s.text, 'petrel_delivery_recipients_total{result="delivered"}') === 1 && s;
  });
  const text = after.text;
  assert.equal(sample(text, 'petrel_smtp_messages_accepted_total'), 1, id);
  assert.equal(sample(text, 'petrel_smtp_recipients_rejected_total{reason="blocked"}'), 1);
  assert.equal(sample(text, 'petrel_smtp_auth_failures_total'), 1);
  assert.equal(sample(text, 'petrel_smtp_accept_seconds_count'), 1);
  assert.ok(sample(text, 'petrel_smtp_accept_seconds_sum') > 0);
  assert.equal(sample(text, 'petrel_delivery_attempt_seconds_count'), 1);
  assert.equal(sample(text, 'petrel_delivery_recipients_total{result="deferred"}'), 0);
  // Collected from the queue at the scrape: the delivered message has left it.
  assert.match(text, /^petrel_queue_recipients\{state="queued"\} 0$/m);
  assert.match(text, /^petrel_queue_recipients\{state="deferred"\} 0$/m);
  assert.match(text, /^petrel_api_requests_total\{endpoint="[^"]*smtp\/add",status="200"\} 2$/m);
  assert.ok(sample(text, 'petrel_process_resident_memory_bytes') > 0);
});

test('petrel_queue_recipients shows mail waiting in the queue', async (t) => {
  // Delivery off: what is accepted stays queued.
  const world = await startDeliveryWorld({
    zone: {},
    peers: [{ host: '127.0.0.31' }],
    env: { PETREL_DELIVERY_CONCURRENCY: '0' },
  });
  t.after(() => world.stop());
  await addSmtpUser(world.node, 'queue-sender');
  await submit(world.smtpPort, {
    user: 'queue-sender',
    from: 'shop@sender.test',
    to: ['a@waiting.test', 'b@waiting.test'],
    raw: plainMessage('shop@sender.test', 'a@waiting.test', 'Waiting'),
  });
  const text = await (await fetch(`${world.node.httpUrl}/metrics`)).text();
  assert.equal(sample(text, 'petrel_queue_recipients{state="queued"}'), 2);
});
