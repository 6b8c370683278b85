// The Ed25519 second signature end to end on loopback (issue 11, RFC 8463): /domain/add lists a
// `k=ed25519` record besides the RSA one; with only the RSA record published the copy at the SMTP sink
// carries one signature; once the Ed25519 record is published and verified, each copy carries both,
// and mailauth's verifier (asking the same DNS server) passes both.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { addSmtpUser, startFarTestWorld, submit, until, type DeliveryWorld } from './delivery-world.js';
import type { ReceivedMessage } from '../helpers/smtp-peer.js';

const WAIT = { timeout: 60_000 };
let world: DeliveryWorld;
let resolver: Resolver;

before(async () => {
  world = await startFarTestWorld({ PETREL_RETURN_PATH_HOST: 'bounces.petrel.test' });
  resolver = new Resolver();
  resolver.setServers([world.dns.server]);
  await addSmtpUser(world.node, 'ed-mailer', {});
});

after(async () => {
  await world?.stop();
});

async function sendAndReceive(subject: string): Promise<ReceivedMessage> {
  await submit(world.smtpPort, {
    user: 'ed-mailer',
    from: 'news@two.test',
    to: ['alice@far.test'],
    raw: `From: News <news@two.test>\r\nTo: alice@far.test\r\nSubject: ${subject}\r\n\r\nHello  there.\r\n`,
  });
  return until(`the copy '${subject}'`, () =>
    world.peer('127.0.0.3').messages.find((m) => m.data.toString('latin1').includes(`Subject: ${subject}`)),
  );
}

async function verdicts(message: ReceivedMessage): Promise<Record<string, string>> {
  const result = await dkimVerify(message.data, {
    resolver: (name: string, type: string) => resolver.resolve(name, type as 'TXT'),
  });
  return Object.fromEntries(
    result.results.map((r) => [`${r.selector ?? ''}@${r.signingDomain}`, r.status.result]),
  );
}

test(
  'sender domain: the Ed25519 record is listed, verified on its own and adds a second signature',
  WAIT,
  async () => {
    const node = world.node;
    const added = await node.call('/domain/add', { domain: 'two.test' });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const d = added.body.data.domains[0].domain;
    assert.match(d.dkim_ed25519_selector, /^ed\d{6}$/);
    assert.notEqual(d.dkim_ed25519_selector, d.dkim_selector);
    assert.match(d.dkim_ed25519_value, /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
    assert.equal(d.dkim_ed25519_verified, false);
    assert.match(
      d.dkim_ed25519_status,
      new RegExp(
        `^Expected a TXT record 'v=DKIM1; k=ed25519; .*' at ${d.dkim_ed25519_selector}\\._domainkey\\.two\\.test; found no TXT record there$`,
      ),
    );
    assert.ok(!JSON.stringify(added.body).includes('PRIVATE'), 'no private key in the answer');
    const row = await node.ops.repos.senderDomains.findByName('two.test');
    assert.ok(row?.ed25519_private_sealed && !row.ed25519_private_sealed.includes('PRIVATE'));

    // Only the RSA record: one signature.
    world.dns.zone[`${d.dkim_selector}._domainkey.two.test`] = { TXT: [d.dkim_value] };
    const rsaOnly = (await node.call('/domain/verify', { domain: 'two.test' })).body.data.domains[0].domain;
    assert.deepEqual([rsaOnly.dkim_verified, rsaOnly.dkim_ed25519_verified], [true, false]);
    const first = await sendAndReceive('rsa only');
    assert.equal(first.data.toString('latin1').match(/^DKIM-Signature:/gm)?.length, 1);
    assert.deepEqual(await verdicts(first), { [`${d.dkim_selector}@two.test`]: 'pass' });

    // Both records: two signatures, both accepted by the independent verifier.
    world.dns.zone[`${d.dkim_ed25519_selector}._domainkey.two.test`] = { TXT: [d.dkim_ed25519_value] };
    const both = (await node.call('/domain/verify', { domain: 'two.test' })).body.data.domains[0].domain;
    assert.deepEqual(
      [both.dkim_verified, both.dkim_ed25519_verified, both.dkim_ed25519_status],
      [true, true, ''],
    );
    const second = await sendAndReceive('both keys');
    const text = second.data.toString('latin1');
    assert.match(
      text,
      /^DKIM-Signature: v=1;\r\n\ta=rsa-sha256;[\s\S]*^DKIM-Signature: v=1;\r\n\ta=ed25519-sha256;/m,
    );
    assert.match(text, new RegExp(`s=${both.dkim_ed25519_selector};`));
    assert.deepEqual(await verdicts(second), {
      [`${d.dkim_selector}@two.test`]: 'pass',
      [`${d.dkim_ed25519_selector}@two.test`]: 'pass',
    });
  },
);
