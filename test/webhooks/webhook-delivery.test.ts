// Webhook calls end to end (SPEC §7): events recorded through the node's real EventRecorder reach a real
// HTTP receiver on loopback with SMTP2GO's fields, signed so the standardwebhooks verifier accepts them,
// filtered by events and usernames, retried with the same webhook-id, and refused at call time when the
// address is loopback and private destinations are not allowed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { WebhookResult } from '../../src/domain/schemas/webhooks.js';
import type { NewEvent } from '../../src/store/repositories/events.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { startReceiver, type ReceivedCall, type Receiver } from './receiver.js';

type Added = WebhookResult & { secret: string };

function event(node: TestNode, name: string, extra: Partial<NewEvent> = {}): NewEvent {
  return {
    accountId: node.masterAccountId,
    event: name as NewEvent['event'],
    emailId: 'm3x0q1b2c4k9d8e7f6a5',
    username: 'alice-sender',
    sender: 'alice@example.com',
    recipient: 'rcpt@example.net',
    subject: 'Hello there',
    ...extra,
  };
}

function verified(secret: string, call: ReceivedCall): Record<string, unknown> {
  const headers = {
    'webhook-id': String(call.headers['webhook-id']),
    'webhook-timestamp': String(call.headers['webhook-timestamp']),
    'webhook-signature': String(call.headers['webhook-signature']),
  };
  return new Webhook(secret).verify(call.body, headers) as Record<string, unknown>;
}

/** The package's own signer, for form bodies (its verify() parses the body as JSON). */
function formSignatureOk(secret: string, call: ReceivedCall): boolean {
  const id = String(call.headers['webhook-id']);
  const at = new Date(Number(call.headers['webhook-timestamp']) * 1000);
  return new Webhook(secret).sign(id, at, call.body) === call.headers['webhook-signature'];
}

describe('webhook delivery', () => {
  let node: TestNode;
  let receiver: Receiver;
  before(async () => {
    node = await startTestNode({
      PETREL_WEBHOOK_ALLOW_PRIVATE: 'true',
      PETREL_WEBHOOK_RETRY_SCHEDULE: '0.3',
    });
    receiver = await startReceiver();
  });
  after(async () => {
    await node.stop();
    await receiver.close();
  });

  async function add(body: Record<string, unknown>): Promise<Added> {
    const answer = await node.call('/webhook/add', { url: receiver.url, ...body });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.data as Added;
  }

  it('sends every event type with SMTP2GO fields and a verifiable Standard Webhooks signature', async () => {
    const hook = await add({ output_format: 'json', auth_header_type: 'bearer', auth_header_value: 'tok-9' });
    const cases: [string, Partial<NewEvent>, Record<string, unknown>][] = [
      ['processed', {}, { event: 'processed' }],
      [
        'delivered',
        { host: 'mx.example.net', smtpResponse: '250 2.0.0 OK' },
        { event: 'delivered', host: 'mx.example.net', message: '250 2.0.0 OK' },
      ],
      [
        'soft-bounced',
        { smtpResponse: '451 4.7.1 later' },
        { event: 'bounce', bounce: 'soft', message: '451 4.7.1 later' },
      ],
      ['hard-bounced', { smtpResponse: '550 5.1.1 no such user' }, { event: 'bounce', bounce: 'hard' }],
      ['rejected', { reason: 'suppressed' }, { event: 'reject', message: 'suppressed' }],
      ['spam', {}, { event: 'spam' }],
      ['opened', { userAgent: 'Mail/1.0' }, { event: 'open', 'user-agent': 'Mail/1.0' }],
      [
        'clicked',
        { url: 'https://example.org/a', userAgent: 'Mail/1.0' },
        { event: 'click', url: 'https://example.org/a' },
      ],
      ['unsubscribed', {}, { event: 'unsubscribe' }],
      ['resubscribed', {}, { event: 'resubscribe' }],
    ];
    node.events.add(cases.map(([name, extra]) => event(node, name, extra)));
    const calls = await receiver.waitFor(cases.length);
    assert.equal(calls.length, cases.length);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(calls.length, cases.length, 'no call twice');
    const payloads = calls.map((c) => verified(hook.secret, c));
    for (const [, , expected] of cases) {
      const got = payloads.filter(
        (p) => p.event === expected.event && (expected.bounce === undefined || p.bounce === expected.bounce),
      );
      assert.equal(got.length, 1, `one ${JSON.stringify(expected)}`);
      const p = got[0]!;
      for (const [k, v] of Object.entries(expected)) assert.equal(p[k], v, `${String(expected.event)}.${k}`);
      assert.equal(p.email_id, 'm3x0q1b2c4k9d8e7f6a5');
      assert.equal(p.rcpt, 'rcpt@example.net');
      assert.deepEqual(p.recipients, ['rcpt@example.net']);
      assert.equal(p.sender, 'alice@example.com');
      assert.equal(p.from, 'alice@example.com');
      assert.equal(p.auth, 'alice-sender');
      assert.equal(p.subject, 'Hello there');
      assert.ok(typeof p.time === 'string' && typeof p.sendtime === 'string');
      if (p.event === 'open' || p.event === 'click') assert.equal(typeof p['read-secs'], 'number');
    }
    for (const c of calls) {
      assert.equal(c.headers.authorization, 'Bearer tok-9');
      assert.equal(c.headers['content-type'], 'application/json');
      assert.match(String(c.headers['webhook-id']), /^msg_[0-9a-z]{19}$/);
      assert.match(String(c.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/);
    }
    // A tampered body fails verification: the check above is not vacuous.
    assert.throws(() =>
      verified(hook.secret, { ...calls[0]!, body: calls[0]!.body.replace('rcpt@', 'evil@') }),
    );
    await node.call('/webhook/remove', { id: hook.id });
    receiver.calls.length = 0;
  });

  it('holds the events and usernames filters, and sends form bodies', async () => {
    const hook = await add({ events: ['bounce'], usernames: ['Bob-Sender'], output_format: 'form' });
    node.events.add([
      event(node, 'hard-bounced', { username: 'bob-sender', recipient: 'x1@example.net' }),
      event(node, 'hard-bounced', { username: 'alice-sender', recipient: 'x2@example.net' }),
      event(node, 'delivered', { username: 'bob-sender', recipient: 'x3@example.net' }),
      event(node, 'soft-bounced', { username: 'bob-sender', recipient: 'x4@example.net' }),
    ]);
    await receiver.waitFor(2);
    await new Promise((r) => setTimeout(r, 1000)); // nothing else may follow
    assert.equal(receiver.calls.length, 2);
    const forms = receiver.calls.map((c) => new URLSearchParams(c.body));
    assert.deepEqual(forms.map((f) => f.get('rcpt')).sort(), ['x1@example.net', 'x4@example.net']);
    for (const c of receiver.calls) {
      assert.equal(c.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.ok(formSignatureOk(hook.secret, c));
      assert.ok(!formSignatureOk(hook.secret, { ...c, body: c.body + 'x' }));
    }
    assert.equal(forms[0]!.get('event'), 'bounce');
    await node.call('/webhook/remove', { id: hook.id });
    receiver.calls.length = 0;
  });

  it('retries a failing receiver and delivers on the 4th try with the same webhook-id', async () => {
    const hook = await add({ output_format: 'json', events: ['delivered'] });
    receiver.status = 503;
    node.events.add([event(node, 'delivered', { recipient: 'retry@example.net' })]);
    await receiver.waitFor(3);
    receiver.status = 200;
    const calls = await receiver.waitFor(4);
    const ids = new Set(calls.map((c) => c.headers['webhook-id']));
    assert.equal(ids.size, 1, 'one webhook-id across all tries');
    for (const c of calls) assert.equal(verified(hook.secret, c).rcpt, 'retry@example.net');
    // The call log shows it delivered after four attempts.
    let log: { state: string; attempts: number; status: number }[] = [];
    for (let i = 0; i < 40; i++) {
      log = (await node.call('/webhook/calls', { id: hook.id })).body.data as typeof log;
      if (log[0]?.state === 'delivered') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(log[0]?.state, 'delivered');
    assert.equal(log[0]?.attempts, 4);
    assert.equal(log[0]?.status, 200);
    const metrics = await (await fetch(`${node.httpUrl}/metrics`)).text();
    assert.match(metrics, /petrel_webhook_attempts_total\{result="failure"\} [3-9]/);
    await node.call('/webhook/remove', { id: hook.id });
    receiver.calls.length = 0;
  });

  it('carries the message-id and the headers a webhook asks for, captured when the message was accepted', async () => {
    const json = await add({
      output_format: 'json',
      events: ['processed'],
      // X-Absent is not in the message; Subject is already a payload field and must not be replaced.
      headers: ['X-Campaign', 'X-Absent', 'Subject'],
    });
    const form = await add({ output_format: 'form', events: ['processed'] });
    const sent = await node.call('/email/send', {
      sender: 'alice@example.com',
      to: ['hdr@example.net'],
      subject: 'With headers',
      text_body: 'hello',
      custom_headers: [
        { header: 'X-Campaign', value: 'spring-2027' },
        { header: 'X-Other', value: 'not asked for' },
      ],
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const emailId = sent.body.data.email_id as string;
    const calls = await receiver.waitFor(2);
    const jsonCall = calls.find((c) => c.headers['content-type'] === 'application/json')!;
    const formCall = calls.find((c) => c.headers['content-type'] !== 'application/json')!;
    const p = verified(json.secret, jsonCall);
    assert.equal(p.email_id, emailId);
    assert.equal(p['X-Campaign'], 'spring-2027');
    assert.match(String(p['message-id']), /^<[^<>@\s]+@[^<>\s]+>$/);
    assert.equal(p.subject, 'With headers');
    for (const absent of ['X-Absent', 'Subject', 'X-Other']) assert.ok(!(absent in p), absent);
    // A webhook asking for no header still gets the message-id (SMTP2GO sends it by default), nothing else.
    assert.ok(formSignatureOk(form.secret, formCall));
    const f = new URLSearchParams(formCall.body);
    assert.equal(f.get('message-id'), p['message-id']);
    assert.equal(f.get('X-Campaign'), null);
    await node.call('/webhook/remove', { id: json.id });
    await node.call('/webhook/remove', { id: form.id });
    receiver.calls.length = 0;
  });

  it('queues a signed test call for the console', async () => {
    const hook = await add({ output_format: 'json' });
    const queued = await node.call('/webhook/test', { id: hook.id });
    assert.equal(queued.status, 200);
    assert.equal(queued.body.data.state, 'pending');
    const [call] = await receiver.waitFor(1);
    assert.equal(verified(hook.secret, call!).email_id, 'test');
    await node.call('/webhook/remove', { id: hook.id });
    receiver.calls.length = 0;
  });
});

describe('webhook calls to non-public addresses', () => {
  it('are refused at call time when PETREL_WEBHOOK_ALLOW_PRIVATE is off', async () => {
    const node = await startTestNode({ PETREL_WEBHOOK_RETRY_SCHEDULE: '0.2/1' });
    const receiver = await startReceiver();
    try {
      const added = await node.call('/webhook/add', {
        url: 'https://hooks.example.com/x',
        events: ['delivered'],
      });
      const ids = [added.body.data.id as number];
      ids.push(
        (await node.call('/webhook/add', { url: 'https://hooks.example.com/y', events: ['delivered'] })).body
          .data.id as number,
      );
      // As if DNS or the row had changed after the check at add time: a literal and a name.
      await node.store.db
        .updateTable('webhooks')
        .set({ url: receiver.url })
        .where('id', '=', ids[0]!)
        .execute();
      await node.store.db
        .updateTable('webhooks')
        .set({ url: `http://localhost:${receiver.port}/hook` })
        .where('id', '=', ids[1]!)
        .execute();
      node.events.add([event(node, 'delivered')]);
      let logs: { state: string; answer: string }[][] = [];
      for (let i = 0; i < 100; i++) {
        logs = await Promise.all(
          ids.map(
            async (id) =>
              (await node.call('/webhook/calls', { id })).body.data as { state: string; answer: string }[],
          ),
        );
        if (logs.every((l) => l[0]?.state === 'failed')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const log of logs) {
        assert.equal(log[0]?.state, 'failed');
        assert.match(log[0].answer, /refused: .*loopback/);
      }
      assert.equal(receiver.calls.length, 0, 'nothing reached the loopback receiver');
      const metrics = await (await fetch(`${node.httpUrl}/metrics`)).text();
      assert.match(metrics, /petrel_webhook_attempts_total\{result="refused"\} [1-9]/);
      assert.match(metrics, /petrel_webhook_calls_given_up_total [1-9]/);
    } finally {
      await node.stop();
      await receiver.close();
    }
  });
});
