// The acceptance test of sender domains (issue 11, SPEC §5), all real and on loopback: a domain is added
// through the API, its records are published in the DNS server the node asks, it is verified, and mail
// sent by SMTP and by email/send reaches the SMTP sink signed (checked by mailauth's verifier, which asks
// the same DNS server) over the footer- and tracking-rewritten body, from a VERP envelope sender. A
// record that disappears unverifies the domain at the next re-check; a removed domain signs nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { request } from 'node:http';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { parseVerpLocalPart, verpNamesRecipient } from '../../src/sender-domains/verp.js';
import {
  addSmtpUser,
  receivedBy,
  FAR_TEST_ZONE,
  startDeliveryWorld,
  submit,
  until,
  type DeliveryWorld,
} from './delivery-world.js';
import type { ReceivedMessage } from '../helpers/smtp-peer.js';

const PUBLIC_URL = 'http://links.petrel.test:8443/base';
const RETURN_HOST = 'bounces.petrel.test';
const WAIT = { timeout: 60_000 };

let world: DeliveryWorld;
let resolver: Resolver;

before(async () => {
  world = await startDeliveryWorld({
    zone: {
      ...FAR_TEST_ZONE,
      'sender.test': { TXT: ['v=spf1 -all'] },
    },
    peers: [{ host: '127.0.0.3' }],
    env: {
      PETREL_PUBLIC_URL: PUBLIC_URL,
      PETREL_RETURN_PATH_HOST: RETURN_HOST,
      PETREL_DOMAIN_RECHECK_SECONDS: '1',
    },
  });
  resolver = new Resolver();
  resolver.setServers([world.dns.server]);
  await addSmtpUser(world.node, 'news-mailer', {
    feedback_enabled: true,
    feedback_text: 'Unsubscribe: %%UNSUBSCRIBE%%',
    feedback_html: '<p><a href="%%UNSUBSCRIBE%%">Unsubscribe</a></p>',
    click_tracking_enabled: true,
    open_tracking_enabled: true,
  });
});

after(async () => {
  await world?.stop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function verify(message: ReceivedMessage): Promise<any[]> {
  const result = await dkimVerify(message.data, {
    resolver: (name: string, type: string) => resolver.resolve(name, type as 'TXT'),
  });
  return result.results;
}

const html = (subject: string) =>
  [
    'From: News <news@mail.sender.test>',
    'To: alice@far.test',
    `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/\W/g, '')}@sender.test>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Read it at https://shop.example/a',
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<html><body><p>Read <a href="https://shop.example/a">it</a>.</p></body></html>',
    '--b1--',
    '',
  ].join('\r\n');

async function send(subject: string, to = ['alice@far.test']): Promise<string> {
  return submit(world.smtpPort, {
    user: 'news-mailer',
    from: 'news@mail.sender.test',
    to,
    raw: html(subject),
  });
}

function publish(domain: Record<string, unknown>, tracker: Record<string, unknown>): void {
  const d = domain as {
    dkim_selector: string;
    dkim_value: string;
    rpath_selector: string;
    rpath_value: string;
  };
  world.dns.zone[`${d.dkim_selector}._domainkey.sender.test`] = { TXT: [d.dkim_value] };
  world.dns.zone[`${d.rpath_selector}.sender.test`] = { CNAME: d.rpath_value };
  world.dns.zone[String(tracker.fulldomain)] = { CNAME: String(tracker.cname_value) };
}

test(
  'sender domain: add, publish, verify, signed VERP mail by SMTP and email/send, unverify, remove',
  WAIT,
  async () => {
    const node = world.node;
    const added = await node.call('/domain/add', { domain: 'Sender.test' });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const entry = added.body.data.domains[0];
    const domain = entry.domain;
    assert.equal(domain.fulldomain, 'sender.test');
    assert.match(domain.dkim_selector, /^s\d+$/);
    assert.match(domain.rpath_selector, /^em\d+$/);
    assert.match(domain.dkim_value, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    assert.equal(domain.rpath_value, RETURN_HOST);
    assert.equal(domain.dkim_verified, false);
    assert.match(
      domain.dkim_status,
      /^Expected a TXT record 'v=DKIM1; .*' at s\d+\._domainkey\.sender\.test; found no TXT record there$/,
    );
    assert.match(domain.spf_status, /v=spf1 -all/);
    assert.match(domain.dmarc_status, /^No DMARC record at _dmarc\.sender\.test/);
    assert.equal(entry.trackers[0].fulldomain, 'link.sender.test');
    assert.equal(entry.trackers[0].cname_value, 'links.petrel.test');
    assert.ok(!JSON.stringify(added.body).includes('PRIVATE'), 'no private key in the answer');

    // Not verified yet: unsigned, envelope at PETREL_RETURN_PATH_HOST.
    const verpKey = node.senderDomains.verpKey;
    await send('unverified');
    const unsigned = await until('the unverified copy', () =>
      world.peer('127.0.0.3').messages.find((m) => m.data.toString('latin1').includes('Subject: unverified')),
    );
    assert.doesNotMatch(unsigned.data.toString('latin1'), /^DKIM-Signature:/im);
    assert.match(
      unsigned.mailFrom,
      new RegExp(`^b-[0-9a-z]{19}-[a-z2-7]{13}@${RETURN_HOST.replace(/\./g, '\\.')}$`),
    );

    // Wrong record first: the status says what was found instead.
    world.dns.zone[`${domain.dkim_selector}._domainkey.sender.test`] = { TXT: ['v=DKIM1; k=rsa; p=AAAA'] };
    const wrong = await node.call('/domain/verify', { domain: 'sender.test' });
    assert.match(wrong.body.data.domains[0].domain.dkim_status, /found 'v=DKIM1; k=rsa; p=AAAA' instead$/);

    publish(domain, entry.trackers[0]);
    const verified = await node.call('/domain/verify', { domain: 'sender.test' });
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    const v = verified.body.data.domains[0];
    assert.deepEqual(
      [v.domain.dkim_verified, v.domain.dkim_status, v.domain.rpath_verified, v.domain.rpath_status],
      [true, '', true, ''],
    );
    assert.deepEqual([v.trackers[0].cname_verified, v.trackers[0].cname_status], [true, '']);

    // By SMTP, two recipients: each copy is signed over its own footer and tracking links.
    await send('signed-smtp', ['alice@far.test', 'bob@far.test']);
    const copies = await until('both signed copies', () => {
      const found = world
        .peer('127.0.0.3')
        .messages.filter((m) => m.data.toString('latin1').includes('Subject: signed-smtp'));
      return found.length === 2 ? found : null;
    });
    for (const copy of copies) {
      const text = copy.data.toString('latin1');
      const rcpt = copy.rcptTo[0] as string;
      assert.deepEqual(copy.rcptTo.length, 1, 'VERP: one envelope per recipient');
      assert.match(text, /^DKIM-Signature: v=1;/);
      assert.match(
        text,
        /h=from:from:subject:to:message-id:mime-version:content-type:list-unsubscribe:list-unsubscribe-post/,
      );
      assert.match(text, /http:\/\/link\.sender\.test:8443\/base\/t\//, 'tracking host of the domain');
      assert.match(text, /Unsubscribe: http:\/\/link\.sender\.test:8443\/base\/t\//);
      const results = await verify(copy);
      assert.equal(results.length, 1);
      assert.equal(results[0].status.result, 'pass', JSON.stringify(results[0]));
      assert.equal(results[0].signingDomain, 'sender.test');
      // MAIL FROM is the VERP address at the verified return path, naming this recipient.
      const [local, host] = copy.mailFrom.split('@') as [string, string];
      assert.equal(host, `${domain.rpath_selector}.sender.test`);
      const token = parseVerpLocalPart(local);
      assert.ok(token && verpNamesRecipient(verpKey, token, rcpt));
    }

    // The tracking routes answer on the domain's tracking host (the request says Host: link.sender.test).
    const click = /href="(http:\/\/link\.sender\.test:8443\/base\/t\/c\/[^"]+)"/.exec(
      copies[0]?.data.toString('latin1') ?? '',
    )?.[1];
    assert.ok(click);
    const answer = await new Promise<{ status: number; location: string }>((resolve, reject) => {
      const url = new URL(node.httpUrl);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: new URL(click).pathname.replace(/^\/base/, ''),
          headers: { host: 'link.sender.test:8443' },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, location: String(res.headers.location) });
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(answer, { status: 302, location: 'https://shop.example/a' });

    // By email/send.
    const sent = await node.call('/email/send', {
      sender: 'Shop <shop@sender.test>',
      to: ['carol@far.test'],
      subject: 'signed-api',
      text_body: 'Hello Carol',
      html_body: '<html><body><p>Hello <a href="https://shop.example/b">Carol</a></p></body></html>',
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const apiCopy = await receivedBy(world.peer('127.0.0.3'), 'carol@far.test');
    const apiResults = await verify(apiCopy);
    assert.equal(apiResults[0]?.status.result, 'pass', JSON.stringify(apiResults));
    assert.match(apiCopy.mailFrom, new RegExp(`@${domain.rpath_selector}\\.sender\\.test$`));

    // A tampered copy fails the same verifier (the check can fail).
    const tampered = {
      ...apiCopy,
      data: Buffer.from(apiCopy.data.toString('latin1').replace('Hello', 'Hullo'), 'latin1'),
    };
    assert.notEqual((await verify(tampered))[0]?.status.result, 'pass');

    // The DKIM record disappears: the next re-check unverifies the domain and mail goes out unsigned.
    delete world.dns.zone[`${domain.dkim_selector}._domainkey.sender.test`];
    await until('the re-check to unverify the domain', async () => {
      await node.senderDomains.recheck.runOnce();
      const view = await node.call('/domain/view', { domain: 'sender.test' });
      return view.body.data.domains[0].domain.dkim_verified === false;
    });
    await send('after-recheck');
    const afterRecheck = await until('the copy after the re-check', () =>
      world
        .peer('127.0.0.3')
        .messages.find((m) => m.data.toString('latin1').includes('Subject: after-recheck')),
    );
    assert.doesNotMatch(afterRecheck.data.toString('latin1'), /^DKIM-Signature:/im);

    // Published again and verified, then removed: unsigned, envelope back at PETREL_RETURN_PATH_HOST.
    publish(domain, entry.trackers[0]);
    assert.equal(
      (await node.call('/domain/verify', { domain: 'sender.test' })).body.data.domains[0].domain
        .dkim_verified,
      true,
    );
    const removed = await node.call('/domain/remove', { domain: 'sender.test' });
    assert.deepEqual(removed.body.data, { domains: [] });
    await send('after-remove');
    const afterRemove = await until('the copy after removal', () =>
      world
        .peer('127.0.0.3')
        .messages.find((m) => m.data.toString('latin1').includes('Subject: after-remove')),
    );
    assert.doesNotMatch(afterRemove.data.toString('latin1'), /^DKIM-Signature:/im);
    assert.match(afterRemove.mailFrom, new RegExp(`@${RETURN_HOST.replace(/\./g, '\\.')}$`));
  },
);
