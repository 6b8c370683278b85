// SMTP2GO parity on real mail (SPEC §1.7, §8): activity/search answers the header facts of a message sent
// through Petrel's SMTP port to a real SMTP sink (MX through a real DNS server); suppressed addresses and
// whole domains are skipped at delivery (SMTP still 250, the recipient gets `rejected`), hard bounces
// and unsubscribes are listed by /suppression/view, and removing them re-opens delivery.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertOk } from '../api/api-assertions.js';
import {
  addSmtpUser,
  eventFor,
  receivedBy,
  FAR_TEST_ZONE,
  startDeliveryWorld,
  submit,
  until,
  type DeliveryWorld,
} from './delivery-world.js';

const PUBLIC_URL = 'http://links.petrel.test';
const USER = 'parity-mailer';

interface Entry {
  email_address: string;
  reason: string;
  block_description: string;
  timestamp: string;
  username: string;
}
interface View {
  results: Entry[];
  total_results: number;
  continue_token: string | null;
}
interface ActivityEvent {
  [field: string]: unknown;
  event: string;
  recipient: string;
}

let world: DeliveryWorld;

function message(to: string[], subject: string): string {
  return [
    'From: "Parity Shop" <shop@sender.test>',
    `To: ${to.join(', ')}`,
    'Reply-To: help@sender.test',
    `Subject: ${subject}`,
    'X-Campaign: spring-2031',
    `Message-ID: <${subject.replace(/\W/g, '')}@sender.test>`,
    '',
    'Hello.',
    '',
  ].join('\r\n');
}

async function send(to: string[], subject: string): Promise<string> {
  return submit(world.smtpPort, { user: USER, from: 'shop@sender.test', to, raw: message(to, subject) });
}

async function view(body: Record<string, unknown> = {}): Promise<View> {
  return assertOk<View>(await world.node.call('/suppression/view', body));
}

before(async () => {
  world = await startDeliveryWorld({
    zone: {
      ...FAR_TEST_ZONE,
      'blocked.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] },
    },
    peers: [
      {
        host: '127.0.0.3',
        rejectRecipients: { 'gone@far.test': { code: 550, message: '5.1.1 no such user' } },
      },
    ],
    env: { PETREL_PUBLIC_URL: PUBLIC_URL },
  });
  await addSmtpUser(world.node, USER, {
    feedback_enabled: true,
    feedback_text: 'Unsubscribe: %%UNSUBSCRIBE%%',
  });
});
after(() => world.stop());

test('an address and a whole domain suppressed by hand are skipped at delivery; the others are delivered', async () => {
  const { node } = world;
  const added = assertOk<Record<string, unknown>>(
    await node.call('/suppression/add', {
      email_address: 'Alice@Far.test',
      block_description: 'asked by phone',
    }),
  );
  assert.deepEqual(added, {
    added: true,
    email_address: 'alice@far.test',
    block_description: 'asked by phone',
  });
  assert.equal(
    assertOk<{ added: boolean }>(await node.call('/suppression/add', { email_address: 'blocked.test' }))
      .added,
    true,
  );
  assert.equal(
    assertOk<{ added: boolean }>(await node.call('/suppression/add', { email_address: 'blocked.test' }))
      .added,
    false,
  );

  const id = await send(['alice@far.test', 'bob@far.test', 'carol@blocked.test'], 'Suppressed mix');
  await receivedBy(world.peer('127.0.0.3'), 'bob@far.test');
  for (const rcpt of ['alice@far.test', 'carol@blocked.test']) {
    const rejected = await eventFor(node, id, 'rejected', rcpt);
    assert.equal(rejected.reason, 'suppressed');
  }
  const delivered = world
    .peer('127.0.0.3')
    .messages.filter((m) => m.data.toString().includes('Suppressed mix'));
  assert.deepEqual(
    delivered.flatMap((m) => m.rcptTo),
    ['bob@far.test'],
  );

  // activity/search answers SMTP2GO's fields from the message itself.
  const answer = await node.call('/activity/search', {
    search_email_id: id,
    event_types: ['rejected'],
    include_headers: true,
    custom_headers: ['X-Campaign', 'X-Absent'],
  });
  const page = assertOk<{ events: ActivityEvent[]; total_events: number }>(answer);
  assert.equal(page.total_events, 2);
  const carol = page.events.find((e) => e.recipient === 'carol@blocked.test');
  assert.ok(carol);
  assert.equal(carol.from, 'shop@sender.test');
  assert.equal(carol.sender_full, '"Parity Shop" <shop@sender.test>');
  assert.equal(carol.to, 'alice@far.test, bob@far.test, carol@blocked.test');
  assert.equal(carol.reply_to, 'help@sender.test');
  assert.deepEqual(carol.recipients, ['alice@far.test', 'bob@far.test', 'carol@blocked.test']);
  assert.deepEqual(carol.custom_headers, { 'X-Campaign': 'spring-2031' });
  assert.match(carol.headers as string, /^Received: /);
  assert.match(carol.headers as string, /\r\nX-Campaign: spring-2031/);
  assert.ok((carol.byte_size as number) > 100);
  const plain = assertOk<{ events: ActivityEvent[] }>(
    await node.call('/activity/search', { search: `nobody | ${id}`, event_types: ['processed'] }),
  );
  assert.equal(plain.events.length, 3);
  assert.equal(plain.events[0]?.headers, '');
});

test('hard bounces and unsubscribes are listed with reason and time; removing them re-opens delivery', async () => {
  const { node } = world;
  const sink = world.peer('127.0.0.3');
  const first = await send(['gone@far.test', 'dave@far.test'], 'Bounce and unsubscribe');
  await eventFor(node, first, 'hard-bounced', 'gone@far.test');
  const toDave = await receivedBy(sink, 'dave@far.test');
  const link = new RegExp(`${PUBLIC_URL}(/t/u/[A-Za-z0-9_.-]+)`).exec(toDave.data.toString('utf8'));
  assert.ok(link, 'an unsubscribe link in the footer');
  const unsubscribe = await fetch(`${node.httpUrl}${link[1]}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  assert.equal(unsubscribe.status, 200);

  const listed = await until('the bounce and the unsubscribe listed', async () => {
    const all = await view({ suppression_types: ['bounce', 'unsubscribe'] });
    return all.total_results === 2 ? all : null;
  });
  const byReason = new Map(listed.results.map((r) => [r.reason, r]));
  assert.equal(byReason.get('bounce')?.email_address, 'gone@far.test');
  assert.equal(byReason.get('bounce')?.username, '');
  assert.equal(byReason.get('unsubscribe')?.email_address, 'dave@far.test');
  assert.equal(byReason.get('unsubscribe')?.username, USER);
  for (const r of listed.results) assert.match(r.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.equal((await view({ email_address: 'gone@far.test' })).results[0]?.reason, 'bounce');
  assert.equal((await view({ wildcard: 'blocked' })).results[0]?.email_address, 'blocked.test');
  assert.equal((await view({ reason: 'PHONE' })).results[0]?.email_address, 'alice@far.test');

  // Suppressed: the next message reaches neither.
  const second = await send(['gone@far.test', 'dave@far.test'], 'While suppressed');
  assert.equal((await eventFor(node, second, 'rejected', 'gone@far.test')).reason, 'suppressed');
  assert.equal((await eventFor(node, second, 'rejected', 'dave@far.test')).reason, 'unsubscribed');

  const removed = assertOk<{ suppressions: unknown[] }>(
    await node.call('/suppression/remove', {
      email_address: 'dave@far.test',
      reasons: ['unsubscribe', 'spam'],
    }),
  );
  assert.deepEqual(removed.suppressions, [
    { email_address: 'dave@far.test', reason: 'unsubscribe', removed: true },
    { email_address: 'dave@far.test', reason: 'spam', removed: false },
  ]);
  const bounceGone = assertOk<{ suppressions: unknown[] }>(
    await node.call('/suppression/remove', { email_address: 'gone@far.test' }),
  );
  assert.deepEqual(bounceGone.suppressions, [
    { email_address: 'gone@far.test', reason: 'bounce', removed: true },
  ]);
  const resubscribed = assertOk<{ events: ActivityEvent[] }>(
    await node.call('/activity/search', { event_types: ['resubscribed'] }),
  );
  assert.deepEqual(
    resubscribed.events.map((e) => [e.recipient, e.username]),
    [['dave@far.test', USER]],
  );

  const third = await send(['dave@far.test'], 'After removal');
  await eventFor(node, third, 'delivered', 'dave@far.test');
  assert.equal((await view({ suppression_types: ['bounce', 'unsubscribe'] })).total_results, 0);
});
