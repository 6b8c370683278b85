// SMTP2GO's official Node.js client (npm smtp2go-nodejs), pointed at Petrel by its public `apiUrl`
// property (it has no option for it; the property is what its own requests are built from), drives
// activity search, a suppression round trip, a template send and a batch, unchanged, on real mail.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRequire } from 'node:module';
import type { ApiClient, MailService, Service as ServiceClass } from 'smtp2go-nodejs';
import { receivedBy, startFarTestWorld, until, type DeliveryWorld } from './delivery-world.js';

// The package is a CommonJS bundle whose ESM default is its whole exports object: loaded as CommonJS.
const { default: SMTP2GOApi, Service } = createRequire(import.meta.url)('smtp2go-nodejs') as {
  default: (apiKey: string) => { mail: () => MailService; client: () => ApiClient };
  Service: typeof ServiceClass;
};

let world: DeliveryWorld;
type Envelope = { request_id: string; data: Record<string, unknown> & { [k: string]: unknown } };

before(async () => {
  world = await startFarTestWorld();
});
after(() => world.stop());

function client() {
  const api = SMTP2GOApi(world.node.masterKey);
  const c = api.client();
  c.apiUrl = `${world.node.httpUrl}/v3/`;
  return { api, c };
}

async function call(endpoint: string, body: Record<string, unknown>): Promise<Envelope> {
  const { c } = client();
  return (await c.consume(
    new Service(endpoint, new Map(Object.entries(body)) as Map<string, string>),
  )) as Envelope;
}

test('a template send through MailService, then activity search finds it', async () => {
  const added = await call('template/add', {
    id: 'client-hello',
    template_name: 'Client hello',
    subject: 'Hello {{ name }}',
    html_body: '<p>Hello {{ name }}</p>',
    text_body: 'Hello {{ name }}',
  });
  assert.equal(added.data.id, 'client-hello');
  const { api, c } = client();
  const mail = api
    .mail()
    .from({ email: 'shop@sender.test', name: 'Shop' })
    .to({ email: 'ann@far.test' })
    .template('client-hello', new Map([['name', 'Ann <3']]));
  const sent = (await c.consume(mail)) as Envelope;
  assert.equal(sent.data.succeeded, 1, JSON.stringify(sent));
  const received = await receivedBy(world.peer('127.0.0.3'), 'ann@far.test');
  assert.match(received.data.toString('utf8'), /Subject: Hello Ann <3/);
  const found = await until('the delivered event', async () => {
    const answer = await call('activity/search', {
      search_recipient: 'ann@far.test',
      event_types: ['delivered'],
    });
    // The page and the total are two queries: an event written between them (PostgreSQL runs them on
    // two connections at once) can be in one and not the other, so both must show it.
    const events = answer.data.events as unknown[];
    return (answer.data.total_events as number) === 1 && events.length === 1 ? answer : null;
  });
  assert.equal((found.data.events as { email_id: string }[])[0]?.email_id, sent.data.email_id);
});

test('a suppression round trip and a batch through Service', async () => {
  assert.equal((await call('suppression/add', { email_address: 'blocked.far.test' })).data.added, true);
  const viewed = await call('suppression/view', { email_address: 'blocked.far.test' });
  assert.equal(viewed.data.total_results, 1);
  const removed = await call('suppression/remove', {
    email_address: 'blocked.far.test',
    reasons: ['manual'],
  });
  assert.deepEqual(removed.data.suppressions, [
    { email_address: 'blocked.far.test', reason: 'manual', removed: true },
  ]);
  assert.equal((await call('suppression/view', { email_address: 'blocked.far.test' })).data.total_results, 0);

  const batch = (await call('email/batch', {
    emails: [
      { sender: 'shop@sender.test', to: ['bo@far.test'], subject: 'Batch one', text_body: 'one' },
      { sender: 'shop@sender.test', to: ['bad'], subject: 'Batch two', text_body: 'two' },
    ],
  })) as unknown as { data: Record<string, unknown>[] };
  assert.equal(typeof batch.data[0]?.email_id, 'string');
  assert.equal(batch.data[1]?.error_code, 'E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD');
  await receivedBy(world.peer('127.0.0.3'), 'bo@far.test');
});
