// /v3/domain/* input checks and PETREL_SENDER_POLICY=verified (SPEC §5, issue 11 acceptance 2 and 3):
// malformed names, public suffixes, duplicates and another account's domain get §1.2 errors naming the
// field; unverified senders get the SPEC's 550 (MAIL FROM), 554 (From header, after DATA) and 400
// answers, and verified ones pass. Real node, real DNS server, real SMTP client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { SecretBox } from '../../src/security/secret-box.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestNode, type ApiAnswer, type TestNode } from '../helpers/node.js';

const VALIDATION = 'E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD';
const API_EXCEPTION = 'E_ApiResponseCodes.API_EXCEPTION';
const PASSWORD = 'Tr0ub4dor&3x-domains';

let node: TestNode;
let dns: TestDnsServer;

before(async () => {
  dns = await startDnsServer({});
  node = await startTestNode({
    PETREL_DNS_SERVERS: dns.server,
    PETREL_SENDER_POLICY: 'verified',
    PETREL_RETURN_PATH_HOST: 'rp.petrel.test',
  });
  const user = await node.call('/users/smtp/add', { username: 'policy-user', email_password: PASSWORD });
  assert.equal(user.status, 200, JSON.stringify(user.body));
});

after(async () => {
  await node?.stop();
  await dns?.close();
});

function assertFieldError(answer: ApiAnswer, fieldname: string, pattern: RegExp): void {
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.data.error_code, VALIDATION);
  assert.equal(answer.body.data.field_validation_errors.fieldname, fieldname);
  assert.match(answer.body.data.error, pattern);
}

function assertApiException(answer: ApiAnswer, pattern: RegExp): void {
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.data.error_code, API_EXCEPTION);
  assert.match(answer.body.data.error, pattern);
}

async function verifiedDomain(name: string): Promise<void> {
  const added = await node.call('/domain/add', { domain: name, auto_verify: false });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const d = added.body.data.domains[0].domain;
  dns.zone[`${d.dkim_selector}._domainkey.${name}`] = { TXT: [d.dkim_value] };
  const verified = await node.call('/domain/verify', { domain: name });
  assert.equal(verified.body.data.domains[0].domain.dkim_verified, true, JSON.stringify(verified.body));
}

describe('domain/add input', () => {
  for (const bad of [
    'exa mple.com',
    'example..com',
    '-bad.example',
    'a_b.example',
    '',
    'x'.repeat(64) + '.com',
  ]) {
    test(`malformed '${bad.slice(0, 20)}' is refused naming 'domain'`, async () => {
      assertFieldError(
        await node.call('/domain/add', { domain: bad }),
        'domain',
        /^The field 'domain' must be a domain name/,
      );
    });
  }

  for (const suffix of ['co.uk', 'com', 'github.io']) {
    test(`public suffix ${suffix} is refused`, async () => {
      assertFieldError(
        await node.call('/domain/add', { domain: suffix }),
        'domain',
        new RegExp(`found '${suffix.replace('.', '\\.')}', which is itself a public suffix`),
      );
    });
  }

  test('a bad tracking_subdomain is refused naming it', async () => {
    assertFieldError(
      await node.call('/domain/add', { domain: 'sub-check.example', tracking_subdomain: 'no way' }),
      'tracking_subdomain',
      /found 'no way'/,
    );
  });

  test('duplicate add, and another account adding the same domain, are refused', async () => {
    const first = await node.call('/domain/add', { domain: 'dup.example', auto_verify: false });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assertApiException(
      await node.call('/domain/add', { domain: 'DUP.example' }),
      /^The domain 'dup\.example' is already a sender domain of this account$/,
    );
    const sub = await node.call('/subaccount/add', {
      fullname: 'Other Tenant',
      subaccount_email: 'o@other.example',
    });
    assert.equal(sub.status, 200, JSON.stringify(sub.body));
    const subId = sub.body.data.id as string;
    assertApiException(
      await node.call('/domain/add', { domain: 'dup.example', subaccount_id: subId }),
      /^The domain 'dup\.example' is already a sender domain of another account$/,
    );
    // The other account cannot see, verify or remove it either.
    assert.deepEqual((await node.call('/domain/view', { subaccount_id: subId })).body.data.domains, []);
    assertFieldError(
      await node.call('/domain/remove', { domain: 'dup.example', subaccount_id: subId }),
      'domain',
      /must be a sender domain of this account, found 'dup\.example'/,
    );
  });

  test('the private key is sealed at rest and never in an answer', async () => {
    const added = await node.call('/domain/add', { domain: 'sealed.example', auto_verify: false });
    assert.ok(!/PRIVATE/.test(JSON.stringify(added.body)));
    const row = await node.ops.repos.senderDomains.findByName('sealed.example');
    assert.ok(row && SecretBox.isSealed(row.dkim_private_sealed));
    assert.ok(!row.dkim_private_sealed.includes('PRIVATE'));
  });
});

async function smtpSend(
  envelopeFrom: string,
  headerFrom: string,
): Promise<{ ok: boolean; response: string }> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.smtp.ports.smtp[0] as number,
    secure: false,
    ignoreTLS: true,
    auth: { user: 'policy-user', pass: PASSWORD },
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: envelopeFrom, to: ['r@far.example'] },
      raw: `From: ${headerFrom}\r\nTo: r@far.example\r\nSubject: policy\r\n\r\nHello.\r\n`,
    });
    return { ok: true, response: info.response };
  } catch (err) {
    const e = err as { response?: string; message?: string };
    return { ok: false, response: String(e.response ?? e.message) };
  } finally {
    transport.close();
  }
}

describe('PETREL_SENDER_POLICY=verified', () => {
  test('SMTP: 550 at MAIL FROM, 554 after DATA, 250 once verified', async () => {
    const envelope = await smtpSend('news@policy.example', 'news@policy.example');
    assert.equal(envelope.ok, false);
    assert.equal(
      envelope.response,
      '550 5.7.1 Sender address <news@policy.example> is not verified for this account',
    );

    await verifiedDomain('policy.example');
    const header = await smtpSend('news@mail.policy.example', 'Boss <boss@elsewhere.example>');
    assert.equal(header.ok, false);
    assert.equal(
      header.response,
      '554 5.7.1 Sender address <boss@elsewhere.example> is not verified for this account',
    );

    const good = await smtpSend('news@mail.policy.example', 'News <news@policy.example>');
    assert.equal(good.ok, true, good.response);
    assert.match(good.response, /^250 2\.0\.0 OK id=/);
  });

  test('email/send: 400 naming sender, then 200 once verified', async () => {
    const body = {
      sender: 'App <app@api-policy.example>',
      to: ['r@far.example'],
      subject: 's',
      text_body: 't',
    };
    assertFieldError(
      await node.call('/email/send', body),
      'sender',
      /^Sender address <app@api-policy\.example> is not verified for this account$/,
    );
    await verifiedDomain('api-policy.example');
    const ok = await node.call('/email/send', body);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });
});

/** The verification link of the last message queued for `address` (delivery is off on this node). */
async function queuedLink(address: string): Promise<string> {
  const entry = node.spool.queue
    .list({ limit: 10_000 })
    .filter((e) => e.address === address)
    .at(-1);
  assert.ok(entry, `a message queued for ${address}`);
  assert.equal(entry.mailFrom, 'no-reply@petrel.test');
  let text = '';
  for await (const chunk of node.spool.queue.openBody(entry.messageId)) text += (chunk as Buffer).toString();
  assert.match(text, /^Subject: Confirm your sender address$/m);
  const link = /^(http:\/\/127\.0\.0\.1:8080\/v\/\S+)$/m.exec(text)?.[1];
  assert.ok(link, text);
  return link;
}

describe('single sender emails', () => {
  test('add queues a verification mail; GET shows, POST confirms once; then the sender passes the policy', async () => {
    assertFieldError(
      await node.call('/single_sender_emails/add', { email_address: 'nope' }),
      'email_address',
      /found 'nope'/,
    );
    const added = await node.call('/single_sender_emails/add', { email_address: 'Solo@Single.example' });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body.data.senders, [{ email_address: 'solo@single.example', verified: false }]);
    const link = await queuedLink('solo@single.example');
    const path = new URL(link).pathname;

    const body = { sender: 'solo@single.example', to: ['r@far.example'], subject: 's', text_body: 't' };
    assertFieldError(await node.call('/email/send', body), 'sender', /is not verified for this account$/);

    const shown = await fetch(`${node.httpUrl}${path}`);
    assert.equal(shown.status, 200);
    assert.match(await shown.text(), /solo@single\.example[\s\S]*<form method="post">/);
    assert.deepEqual((await node.call('/single_sender_emails/view', {})).body.data.senders, [
      { email_address: 'solo@single.example', verified: false },
    ]);
    const confirmed = await fetch(`${node.httpUrl}${path}`, { method: 'POST' });
    assert.equal(confirmed.status, 200);
    assert.equal((await fetch(`${node.httpUrl}${path}`, { method: 'POST' })).status, 404, 'one-time');
    assert.equal((await fetch(`${node.httpUrl}/v/${'A'.repeat(32)}`)).status, 404);
    assert.deepEqual(
      (await node.call('/single_sender_emails/view', { email_address: 'solo' })).body.data.senders,
      [{ email_address: 'solo@single.example', verified: true }],
    );
    assert.equal((await node.call('/email/send', body)).status, 200);

    assert.deepEqual(
      (await node.call('/single_sender_emails/remove', { email_address: 'solo@single.example' })).body.data,
      {
        senders: [],
      },
    );
    assertFieldError(
      await node.call('/single_sender_emails/remove', { email_address: 'solo@single.example' }),
      'email_address',
      /must be a single sender email of this account/,
    );
    assertFieldError(await node.call('/email/send', body), 'sender', /is not verified/);
  });
});
