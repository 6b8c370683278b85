// /v3/allowed_senders/*, /v3/allowed_recipients/*, /v3/ip_allow_list* and /v3/ip_auth/* (SPEC §8
// "Restrictions") against a real node: SMTP2GO's shapes, bad input (malformed CIDR, IPv6, overlapping
// ranges, another account's entries), and the effect on email/send and on API keys used from elsewhere.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CODES, assertApiException, assertError, assertFieldError, assertOk } from '../api/api-assertions.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { callFrom } from './from-address.js';

let node: TestNode;
let subId: string;
let subKey: string;

before(async () => {
  node = await startTestNode();
  subId = assertOk<{ id: string }>(await node.call('/subaccount/add', { fullname: 'Restricted sub' })).id;
  subKey = assertOk<{ api_key: string }>(
    await node.call('/api_keys/add', { subaccount_id: subId, endpoints: ['*'] }),
  ).api_key;
});
after(() => node.stop());

const sub = () => ({ key: subKey });

describe('allowed senders', () => {
  test('view starts empty and disabled; add keeps the mode; update sets entries and mode', async () => {
    assert.deepEqual(assertOk(await node.call('/allowed_senders/view', {}, sub())), {
      allowed_senders: [],
      mode: 'disabled',
    });
    const added = assertOk(
      await node.call(
        '/allowed_senders/add',
        { allowed_senders: ['Ops@Shop.Example', '@brand.example'] },
        sub(),
      ),
    );
    assert.deepEqual(added, { allowed_senders: ['ops@shop.example', 'brand.example'], mode: 'disabled' });
    const updated = assertOk(
      await node.call(
        '/allowed_senders/update',
        { allowed_senders: ['ops@shop.example', 'brand.example', 'news.example'], mode: 'whitelist' },
        sub(),
      ),
    );
    assert.deepEqual(updated, {
      allowed_senders: ['ops@shop.example', 'brand.example', 'news.example'],
      mode: 'whitelist',
    });
    const removed = assertOk(
      await node.call(
        '/allowed_senders/remove',
        { allowed_senders: ['news.example', 'absent.example'] },
        sub(),
      ),
    );
    assert.deepEqual(removed, { allowed_senders: ['ops@shop.example', 'brand.example'], mode: 'whitelist' });
    // The master account's own list is another list.
    assert.deepEqual(assertOk(await node.call('/allowed_senders/view', {})), {
      allowed_senders: [],
      mode: 'disabled',
    });
    // ...but the parent may manage the subaccount's with subaccount_id.
    assert.equal(
      assertOk<{ mode: string }>(await node.call('/allowed_senders/view', { subaccount_id: subId })).mode,
      'whitelist',
    );
  });

  test('bad entries and modes are refused naming the field', async () => {
    assertFieldError(
      await node.call(
        '/allowed_senders/add',
        { allowed_senders: ['ok@example.com', 'not an address'] },
        sub(),
      ),
      'allowed_senders',
      'not an address',
    );
    assertFieldError(
      await node.call('/allowed_senders/update', { allowed_senders: [], mode: 'sometimes' }, sub()),
      'mode',
    );
    assertFieldError(await node.call('/allowed_senders/update', { allowed_senders: [] }, sub()), 'mode');
    assertFieldError(await node.call('/allowed_senders/add', {}, sub()), 'allowed_senders');
    assertFieldError(
      await node.call('/allowed_senders/view', { subaccount_id: 'nosuchsub' }, sub()),
      'subaccount_id',
    );
  });

  test('email/send: a sender off the whitelist is refused naming sender; a listed domain works', async () => {
    const send = (sender: string) =>
      node.call(
        '/email/send',
        { sender, to: ['someone@example.net'], subject: 'hi', text_body: 'hi' },
        sub(),
      );
    assertFieldError(await send('intruder@elsewhere.example'), 'sender', 'intruder@elsewhere.example');
    assert.equal(assertOk<{ succeeded: number }>(await send('Anyone <anyone@brand.example>')).succeeded, 1);
    assert.equal(assertOk<{ succeeded: number }>(await send('ops@shop.example')).succeeded, 1);
    // A blacklist refuses the listed ones only.
    assertOk(
      await node.call(
        '/allowed_senders/update',
        { allowed_senders: ['brand.example'], mode: 'blacklist' },
        sub(),
      ),
    );
    assertFieldError(await send('anyone@brand.example'), 'sender', 'anyone@brand.example');
    assert.equal(assertOk<{ succeeded: number }>(await send('intruder@elsewhere.example')).succeeded, 1);
    assertOk(await node.call('/allowed_senders/update', { allowed_senders: [], mode: 'disabled' }, sub()));
    assert.equal(assertOk<{ succeeded: number }>(await send('anyone@brand.example')).succeeded, 1);
  });
});

describe('allowed recipients', () => {
  test('shapes: enabled flag with add, update and remove', async () => {
    assert.deepEqual(assertOk(await node.call('/allowed_recipients/view', {}, sub())), {
      allowed_recipients: [],
      enabled: false,
    });
    assert.deepEqual(
      assertOk(await node.call('/allowed_recipients/add', { allowed_recipients: ['team.example'] }, sub())),
      { allowed_recipients: ['team.example'], enabled: false },
    );
    assert.deepEqual(
      assertOk(
        await node.call(
          '/allowed_recipients/add',
          { allowed_recipients: ['Boss@Partner.Example'], enabled: true },
          sub(),
        ),
      ),
      { allowed_recipients: ['team.example', 'boss@partner.example'], enabled: true },
    );
    assertFieldError(
      await node.call('/allowed_recipients/update', { allowed_recipients: ['team.example'] }, sub()),
      'enabled',
    );
    assertFieldError(
      await node.call('/allowed_recipients/remove', { allowed_recipients: [42] }, sub()),
      'allowed_recipients.0',
    );
  });

  test('email/send names to, cc or bcc for a recipient off the list; email/mime names mime_email', async () => {
    const send = (fields: Record<string, unknown>) =>
      node.call(
        '/email/send',
        { sender: 'a@shop.example', to: ['x@team.example'], subject: 'hi', text_body: 'hi', ...fields },
        sub(),
      );
    assertFieldError(
      await send({ to: ['x@team.example', 'stranger@example.org'] }),
      'to',
      'stranger@example.org',
    );
    assertFieldError(await send({ cc: ['cc@example.org'] }), 'cc', 'cc@example.org');
    assertFieldError(await send({ bcc: ['hidden@example.org'] }), 'bcc', 'hidden@example.org');
    assert.equal(
      assertOk<{ succeeded: number }>(await send({ cc: ['Boss <BOSS@partner.example>'] })).succeeded,
      2,
    );
    const mime = Buffer.from(
      'From: a@shop.example\r\nTo: y@team.example, out@example.org\r\nSubject: m\r\n\r\nbody\r\n',
    ).toString('base64');
    assertFieldError(
      await node.call('/email/mime', { mime_email: mime }, sub()),
      'mime_email',
      'out@example.org',
    );
    // The master account has no such list: its mail goes anywhere.
    assert.equal(
      assertOk<{ succeeded: number }>(
        await node.call('/email/send', {
          sender: 'a@shop.example',
          to: ['stranger@example.org'],
          subject: 'hi',
          text_body: 'hi',
        }),
      ).succeeded,
      1,
    );
    assertOk(
      await node.call('/allowed_recipients/update', { allowed_recipients: [], enabled: false }, sub()),
    );
    assert.equal(assertOk<{ succeeded: number }>(await send({ to: ['stranger@example.org'] })).succeeded, 1);
  });
});

describe('IP allow list', () => {
  test('add, view, edit, remove; SMTP is the default type; IPv6 and CIDR are canonicalised', async () => {
    assert.deepEqual(assertOk(await node.call('/ip_allow_list/view', {}, sub())), {
      enabled: false,
      ip_addresses: [],
    });
    assert.deepEqual(
      assertOk(
        await node.call(
          '/ip_allow_list/add',
          { ip_address: '2001:DB8:0::/32', description: 'v6 office' },
          sub(),
        ),
      ),
      { ip_address: '2001:db8::/32', description: 'v6 office' },
    );
    assertOk(await node.call('/ip_allow_list/add', { ip_address: '198.51.100.7', type: 'smtp' }, sub()));
    const smtp = assertOk<{ enabled: boolean; ip_addresses: unknown[] }>(
      await node.call('/ip_allow_list/view', { type: 'smtp' }, sub()),
    );
    assert.deepEqual(smtp, {
      enabled: false,
      ip_addresses: [
        { ip_address: '198.51.100.7', description: '' },
        { ip_address: '2001:db8::/32', description: 'v6 office' },
      ],
    });
    assert.deepEqual(assertOk(await node.call('/ip_allow_list/view', { type: 'api' }, sub())), {
      enabled: false,
      ip_addresses: [],
    });
    assert.deepEqual(
      assertOk(
        await node.call(
          '/ip_allow_list/edit',
          { ip_address: '198.51.100.7', new_ip_address: '198.51.100.0/28', description: 'rack' },
          sub(),
        ),
      ),
      { ip_address: '198.51.100.0/28', description: 'rack' },
    );
    assert.deepEqual(
      assertOk(await node.call('/ip_allow_list/remove', { ip_address: '2001:db8::/32' }, sub())),
      { ip_address: '2001:db8::/32', description: 'v6 office' },
    );
    assert.deepEqual(assertOk(await node.call('/ip_allow_list', { enabled: true }, sub())), {
      enabled: true,
    });
    assert.deepEqual(assertOk(await node.call('/ip_allow_list', {}, sub())), { enabled: true });
    assert.deepEqual(assertOk(await node.call('/ip_allow_list', { enabled: false, type: 'smtp' }, sub())), {
      enabled: false,
    });
  });

  test('malformed CIDR, overlapping ranges and another account’s entries are refused', async () => {
    for (const bad of [
      '300.1.1.1',
      '10.0.0.0/33',
      '10.0.0.5/24',
      'fe80::1%eth0',
      '2001:db8::/129',
      'example.com',
      '10.0.0.0/',
    ]) {
      assertFieldError(await node.call('/ip_allow_list/add', { ip_address: bad }, sub()), 'ip_address', bad);
    }
    assertFieldError(
      await node.call('/ip_allow_list/add', { ip_address: '10.1.0.0/16', type: 'web' }, sub()),
      'type',
    );
    assertOk(await node.call('/ip_allow_list/add', { ip_address: '10.1.0.0/16' }, sub()));
    assertFieldError(
      await node.call('/ip_allow_list/add', { ip_address: '10.1.2.0/24' }, sub()),
      'ip_address',
      '10.1.0.0/16',
    );
    assertFieldError(
      await node.call('/ip_allow_list/add', { ip_address: '10.0.0.0/8' }, sub()),
      'ip_address',
      '10.1.0.0/16',
    );
    assertApiException(await node.call('/ip_allow_list/add', { ip_address: '10.1.0.0/16' }, sub()));
    // IPv4-mapped IPv6 is the same network.
    assertFieldError(
      await node.call('/ip_allow_list/add', { ip_address: '::ffff:10.1.2.3' }, sub()),
      'ip_address',
      '10.1.0.0/16',
    );
    assertOk(await node.call('/ip_allow_list/add', { ip_address: '10.2.0.0/16' }, sub()));
    assertFieldError(
      await node.call(
        '/ip_allow_list/edit',
        { ip_address: '10.2.0.0/16', new_ip_address: '10.1.5.0/24' },
        sub(),
      ),
      'new_ip_address',
      '10.1.0.0/16',
    );
    // The same networks on the master account's list are another account's entries: not found there.
    assertApiException(await node.call('/ip_allow_list/remove', { ip_address: '10.1.0.0/16' }));
    assertApiException(
      await node.call('/ip_allow_list/edit', { ip_address: '10.1.0.0/16', description: 'x' }),
    );
    // ...and the subaccount's entries are unchanged.
    const list = assertOk<{ ip_addresses: { ip_address: string }[] }>(
      await node.call('/ip_allow_list/view', {}, sub()),
    );
    assert.ok(list.ip_addresses.some((e) => e.ip_address === '10.1.0.0/16'));
    // The master account can hold the same network on its own list.
    assertOk(await node.call('/ip_allow_list/add', { ip_address: '10.1.0.0/16' }));
  });

  test("type 'api': keys work only from listed networks (403 elsewhere), effective at the next request", async () => {
    const other = assertOk<{ id: string }>(await node.call('/subaccount/add', { fullname: 'API locked' })).id;
    const key = assertOk<{ api_key: string }>(
      await node.call('/api_keys/add', { subaccount_id: other, endpoints: ['*'] }),
    ).api_key;
    // Enabling a list that leaves out the caller's own address would lock it out: refused.
    assertApiException(
      await callFrom(node.httpUrl, '127.0.0.1', '/ip_allow_list', { enabled: true, type: 'api' }, key),
    );
    assertOk(
      await callFrom(
        node.httpUrl,
        '127.0.0.1',
        '/ip_allow_list/add',
        { ip_address: '127.0.0.0/30', type: 'api' },
        key,
      ),
    );
    assertOk(
      await callFrom(
        node.httpUrl,
        '127.0.0.1',
        '/ip_allow_list/add',
        { ip_address: '::1', type: 'api' },
        key,
      ),
    );
    assertOk(
      await callFrom(node.httpUrl, '127.0.0.1', '/ip_allow_list', { enabled: true, type: 'api' }, key),
    );
    assertOk(await callFrom(node.httpUrl, '127.0.0.2', '/allowed_senders/view', {}, key));
    const refused = assertError(
      await callFrom(node.httpUrl, '127.0.0.9', '/allowed_senders/view', {}, key),
      403,
      CODES.permissionDenied,
    );
    assert.match(refused.error, /127\.0\.0\.9.*API IP allow list/);
    // Other accounts' keys are not affected.
    assertOk(await callFrom(node.httpUrl, '127.0.0.9', '/allowed_senders/view', {}, subKey));
    // Narrowing the list to leave the caller out is refused too; from the parent it is allowed.
    assertApiException(
      await callFrom(
        node.httpUrl,
        '127.0.0.1',
        '/ip_allow_list/edit',
        { ip_address: '127.0.0.0/30', new_ip_address: '127.0.0.8/29', type: 'api' },
        key,
      ),
    );
    assertOk(
      await node.call('/ip_allow_list/edit', {
        subaccount_id: other,
        ip_address: '127.0.0.0/30',
        new_ip_address: '127.0.0.8/29',
        type: 'api',
      }),
    );
    assertOk(await callFrom(node.httpUrl, '127.0.0.9', '/allowed_senders/view', {}, key));
    assertError(
      await callFrom(node.httpUrl, '127.0.0.2', '/allowed_senders/view', {}, key),
      403,
      CODES.permissionDenied,
    );
    assertOk(await node.call('/ip_allow_list', { subaccount_id: other, enabled: false, type: 'api' }));
    assertOk(await callFrom(node.httpUrl, '127.0.0.2', '/allowed_senders/view', {}, key));
  });
});

describe('IP auth', () => {
  test('PATCH edit adds, then changes; view lists with SMTP2GO fields; remove', async () => {
    const added = assertOk<Record<string, unknown>[]>(
      await node.call(
        '/ip_auth/edit',
        { ip_address: '192.0.2.0/24', description: 'printers', status: 'sandbox' },
        { ...sub(), method: 'PATCH' },
      ),
    );
    assert.equal(added.length, 1);
    assert.equal(added[0]?.ip_address, '192.0.2.0/24');
    assert.equal(added[0]?.description, 'printers');
    assert.equal(added[0]?.status, 'sandbox');
    for (const field of [
      'sending_allowed',
      'custom_ratelimit',
      'custom_ratelimit_value',
      'custom_ratelimit_period',
      'feedback_enabled',
      'archive_enabled',
      'open_tracking_enabled',
      'audit_email',
      'bounce_notifications',
    ]) {
      assert.ok(field in (added[0] ?? {}), `missing ${field}`);
    }
    const changed = assertOk<Record<string, unknown>[]>(
      await node.call(
        '/ip_auth/edit',
        {
          ip_address: '192.0.2.0/24',
          custom_ratelimit: true,
          custom_ratelimit_value: 5,
          custom_ratelimit_period: '1 hour',
        },
        { ...sub(), method: 'PATCH' },
      ),
    );
    assert.equal(changed[0]?.description, 'printers');
    assert.equal(changed[0]?.status, 'sandbox');
    assert.equal(changed[0]?.custom_ratelimit_value, 5);
    assert.equal(changed[0]?.custom_ratelimit_period, '1:00:00');
    assertOk(await node.call('/ip_auth/edit', { ip_address: '2001:db8:1::5' }, sub()));
    const view = assertOk<{ results: { ip_address: string }[]; default_ratelimit_period: string }>(
      await node.call('/ip_auth/view', {}, sub()),
    );
    assert.deepEqual(
      view.results.map((r) => r.ip_address),
      ['192.0.2.0/24', '2001:db8:1::5'],
    );
    assert.equal(view.default_ratelimit_period, 'unlimited');
    const one = assertOk<{ results: { ip_address: string }[] }>(
      await node.call('/ip_auth/view', { ip_address: '2001:DB8:1:0::5' }, sub()),
    );
    assert.deepEqual(
      one.results.map((r) => r.ip_address),
      ['2001:db8:1::5'],
    );
    assert.deepEqual(assertOk<{ results: unknown[] }>(await node.call('/ip_auth/view', {})).results, []);
    const removed = assertOk<{ results: { ip_address: string }[] }>(
      await node.call('/ip_auth/remove', { ip_address: '2001:db8:1::5' }, sub()),
    );
    assert.equal(removed.results[0]?.ip_address, '2001:db8:1::5');
    assertApiException(await node.call('/ip_auth/remove', { ip_address: '2001:db8:1::5' }, sub()));
  });

  test('bad input: malformed addresses, overlaps (own and another account), bad settings', async () => {
    assertFieldError(
      await node.call('/ip_auth/edit', { ip_address: '192.0.2.300' }, sub()),
      'ip_address',
      '192.0.2.300',
    );
    assertFieldError(await node.call('/ip_auth/edit', {}, sub()), 'ip_address');
    assertFieldError(
      await node.call('/ip_auth/edit', { ip_address: '192.0.2.128/25' }, sub()),
      'ip_address',
      '192.0.2.0/24',
    );
    // Another account may not claim addresses that are this one's; nor see or remove its entry.
    assertApiException(await node.call('/ip_auth/edit', { ip_address: '192.0.2.9' }));
    assertApiException(await node.call('/ip_auth/remove', { ip_address: '192.0.2.0/24' }));
    assertFieldError(
      await node.call('/ip_auth/edit', { ip_address: '192.0.2.0/24', status: 'maybe' }, sub()),
      'status',
    );
    assertFieldError(
      await node.call(
        '/ip_auth/edit',
        {
          ip_address: '192.0.2.0/24',
          custom_ratelimit: true,
          custom_ratelimit_value: 5,
          custom_ratelimit_period: '1 fortnight',
        },
        sub(),
      ),
      'custom_ratelimit_period',
    );
  });
});
