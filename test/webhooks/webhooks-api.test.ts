// /v3/webhook/add|view|edit|remove (SPEC §7): SMTP2GO's fields, the secret shown once and rotatable,
// and URLs that point at non-public addresses refused unless PETREL_WEBHOOK_ALLOW_PRIVATE=true.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WebhookResult } from '../../src/domain/schemas/webhooks.js';
import { startTestNode, type TestNode } from '../helpers/node.js';

type Hook = WebhookResult;

const SECRET = /^whsec_[A-Za-z0-9+/]{32,86}={0,2}$/;

describe('webhook API', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => node.stop());

  it('adds a webhook with SMTP2GO fields and a whsec_ secret shown only in the answer to add', async () => {
    const added = await node.call('/webhook/add', {
      url: 'https://hooks.example.com/petrel',
      events: ['delivered', 'bounce'],
      headers: ['X-Campaign'],
      usernames: ['alice-sender'],
      output_format: 'json',
      auth_header_type: 'bearer',
      auth_header_value: 'tok-123',
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const data = added.body.data as Hook & { secret: string };
    assert.equal(typeof data.id, 'number');
    assert.equal(data.url, 'https://hooks.example.com/petrel');
    assert.deepEqual(data.events, ['delivered', 'bounce']);
    assert.deepEqual(data.headers, ['X-Campaign']);
    assert.deepEqual(data.usernames, ['alice-sender']);
    assert.deepEqual(data.sms_events, []);
    assert.equal(data.output_format, 'json');
    assert.equal(data.auth_header_type, 'bearer');
    assert.equal(data.auth_header_value, 'tok-123');
    assert.match(data.secret, SECRET);
    const raw = Buffer.from(data.secret.slice('whsec_'.length), 'base64');
    assert.ok(raw.length >= 24 && raw.length <= 64);

    const viewed = await node.call('/webhook/view', {});
    assert.equal(viewed.status, 200);
    const hook = (viewed.body.data as Hook[]).find((h) => h.id === data.id)!;
    assert.equal(hook.url, data.url);
    assert.equal(hook.secret, undefined, 'view never shows the secret');

    // Sealed at rest: the database holds neither the secret nor the bearer token in the clear.
    const row = await node.store.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', data.id)
      .executeTakeFirstOrThrow();
    assert.ok(!row.secret.includes(data.secret.slice(6, 20)));
    assert.ok(!row.auth_header_value.includes('tok-123'));
  });

  it('edits fields, keeps the rest, and rotates the secret only on rotate_secret', async () => {
    const added = (await node.call('/webhook/add', { url: 'https://hooks.example.com/a' })).body
      .data as Hook & { secret: string };
    assert.equal(added.output_format, 'form');
    assert.deepEqual(added.events, []);
    const edited = await node.call('/webhook/edit', { id: added.id, events: ['open', 'click'] });
    assert.equal(edited.status, 200);
    assert.deepEqual(edited.body.data.events, ['open', 'click']);
    assert.equal(edited.body.data.url, 'https://hooks.example.com/a');
    assert.equal(edited.body.data.secret, undefined);
    const rotated = await node.call('/webhook/edit', { id: added.id, rotate_secret: true });
    assert.match(rotated.body.data.secret, SECRET);
    assert.notEqual(rotated.body.data.secret, added.secret);
  });

  it('removes a webhook and answers it; a second remove is an API_EXCEPTION', async () => {
    const added = (await node.call('/webhook/add', { url: 'https://hooks.example.com/b' })).body.data;
    const removed = await node.call('/webhook/remove', { id: added.id });
    assert.equal(removed.status, 200);
    assert.equal(removed.body.data.id, added.id);
    const again = await node.call('/webhook/remove', { id: added.id });
    assert.equal(again.status, 400);
    assert.equal(again.body.data.error_code, 'E_ApiResponseCodes.API_EXCEPTION');
  });

  it('validates: url required, http(s) only, known events and formats', async () => {
    const cases: [unknown, string][] = [
      [{}, 'url'],
      [{ url: 'ftp://example.com/x' }, 'url'],
      [{ url: 'https://example.com/x', events: ['exploded'] }, 'events.0'],
      [{ url: 'https://example.com/x', output_format: 'xml' }, 'output_format'],
      [{ url: 'https://example.com/x', auth_header_type: 'bearer' }, 'auth_header_value'],
    ];
    for (const [body, field] of cases) {
      const answer = await node.call('/webhook/add', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.data.error_code, 'E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD');
      assert.equal(answer.body.data.field_validation_errors.fieldname, field, JSON.stringify(answer.body));
    }
  });

  it('refuses loopback, private and link-local URLs when private destinations are not allowed', async () => {
    for (const url of [
      'http://127.0.0.1:9/x',
      'http://localhost/x',
      'http://10.1.2.3/x',
      'http://192.168.0.1/x',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/x',
      'http://[::ffff:127.0.0.1]/x',
    ]) {
      const answer = await node.call('/webhook/add', { url });
      assert.equal(answer.status, 400, url);
      assert.equal(answer.body.data.field_validation_errors.fieldname, 'url');
      assert.match(answer.body.data.error, /non-public/);
    }
  });
});
