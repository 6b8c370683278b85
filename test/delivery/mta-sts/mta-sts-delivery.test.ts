// MTA-STS on loopback with real parts: a dns2 server publishing `_mta-sts` TXT, MX and the policy host,
// an HTTPS policy server under a certificate of a CA made for the test, and SMTP sinks whose STARTTLS
// certificates are valid, for the wrong name, or from no trusted CA. Asserts on what the sinks saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pino } from 'pino';
import { createOutboundDelivery } from '../../../src/delivery/outbound.js';
import type { MtaStsSettings } from '../../../src/delivery/mta-sts/index.js';
import type { RecipientResult } from '../../../src/delivery/types.js';
import { startDnsServer, type TestDnsServer, type Zone } from '../../helpers/dns-server.js';
import { startPolicyServer, type PolicyServer } from '../../helpers/policy-server.js';
import { startPeersOnOnePort, type PeerOptions, type SmtpPeer } from '../../helpers/smtp-peer.js';
import { createTestCa, type TestCa } from '../../helpers/test-ca.js';

const BOUND = { timeout: 60_000 };
const MESSAGE = 'From: sender@shop.test\r\nTo: buyer@far.test\r\nSubject: Order\r\n\r\nThank you.\r\n';
const POLICY_HOST = '127.0.0.61';

const policy = (mode: string, ...mx: string[]): string =>
  `version: STSv1\r\nmode: ${mode}\r\n${mx.map((m) => `mx: ${m}\r\n`).join('')}max_age: 86400\r\n`;

/** One CA for the whole file: generating keys is the slow part. */
let caPromise: Promise<TestCa> | null = null;
const testCa = (): Promise<TestCa> => (caPromise ??= createTestCa());

interface Setup {
  /** MX records of far.test: [preference, name, address]. */
  mx: [number, string, string][];
  /** far.test's policy file; null publishes no `_mta-sts` record. */
  policy: string | null;
  /** One peer per MX address; `cert` names the DNS names its certificate is for (none: self-signed). */
  peers: (PeerOptions & { host: string; certFor?: string[] })[];
  smarthost?: boolean;
  mtaSts?: Partial<MtaStsSettings>;
}

interface World {
  dns: TestDnsServer;
  peers: SmtpPeer[];
  policyServer: PolicyServer;
  counts: { fetch: string[]; deferral: string[]; testing: string[] };
  logLines: () => { msg: string; [k: string]: unknown }[];
  deliver: (recipients?: string[], domain?: string) => Promise<RecipientResult[]>;
}

async function withWorld(setup: Setup, run: (world: World) => Promise<void>): Promise<void> {
  const ca = await testCa();
  const dir = await mkdtemp(join(tmpdir(), 'petrel-mta-sts-'));
  const caFile = join(dir, 'ca.pem');
  await ca.writeTo(caFile);
  const peerOptions = await Promise.all(
    setup.peers.map(async ({ certFor, ...p }) =>
      certFor ? { ...p, starttls: true, tlsCredentials: await ca.issue(certFor) } : p,
    ),
  );
  const peers = await startPeersOnOnePort(peerOptions);
  const policyServer = await startPolicyServer({
    host: POLICY_HOST,
    tls: await ca.issue(['mta-sts.far.test']),
    policies: setup.policy === null ? {} : { 'mta-sts.far.test': setup.policy },
  });
  const zone: Zone = {
    'far.test': { MX: setup.mx.map(([preference, exchange]) => ({ preference, exchange })) },
    'mta-sts.far.test': { A: [POLICY_HOST] },
  };
  for (const [, name, address] of setup.mx) zone[name] = { A: [address] };
  if (setup.policy !== null) zone['_mta-sts.far.test'] = { TXT: ['v=STSv1; id=20260101T000000;'] };
  const dns = await startDnsServer(zone);
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  const counts = { fetch: [] as string[], deferral: [] as string[], testing: [] as string[] };
  const port = peers[0]?.port ?? 25;
  const delivery = createOutboundDelivery(
    {
      hostname: 'relay.petrel.test',
      ipPools: [],
      smarthost: setup.smarthost ? { host: peers[0]?.host ?? '127.0.0.1', port } : null,
      dnsServers: [dns.server],
      allowedPrivateDestinations: ['127.0.0.0/8', '::1'],
      mtaStsCaFile: caFile,
      mtaStsPolicyPort: policyServer.port,
    },
    {
      connectTimeoutMs: 5_000,
      greetingTimeoutMs: 5_000,
      socketTimeoutMs: 10_000,
      resolver: { mxPort: port, timeoutMs: 2_000, tries: 2 },
      logger,
      mtaSts: {
        fetchTimeoutMs: 10_000,
        counters: {
          fetch: (r) => counts.fetch.push(r),
          deferral: (r) => counts.deferral.push(r),
          testingFailure: (r) => counts.testing.push(r),
        },
        ...setup.mtaSts,
      },
    },
  );
  try {
    await run({
      dns,
      peers,
      policyServer,
      counts,
      logLines: () => lines.map((l) => JSON.parse(l) as { msg: string }),
      deliver: (recipients = ['buyer@far.test'], domain = 'far.test') =>
        delivery.deliverToDomain({
          domain,
          mailFrom: 'sender@shop.test',
          recipients,
          message: { sameForAll: true, open: () => Readable.from([MESSAGE]) },
          ipPool: null,
        }),
    });
  } finally {
    delivery.close();
    await Promise.all(peers.map((p) => p.close()));
    await policyServer.close();
    await dns.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Nothing of the message reached the sink: no envelope, no DATA, in clear or otherwise. */
function assertNothingSent(peer: SmtpPeer | undefined): void {
  assert.ok(peer);
  assert.deepEqual(peer.messages, []);
  assert.deepEqual(peer.rcptCommands, []);
  for (const s of peer.sessions) assert.equal(s.ehlo, '', 'no MAIL FROM was given');
}

test('enforce + a certificate not valid for the MX name: deferred, nothing sent', BOUND, () =>
  withWorld(
    {
      mx: [[10, 'mx1.far.test', '127.0.0.62']],
      policy: policy('enforce', 'mx1.far.test'),
      peers: [{ host: '127.0.0.62', certFor: ['other.example.test'] }],
    },
    async ({ peers, deliver, counts }) => {
      const [result] = await deliver();
      assert.equal(result?.outcome, 'deferred');
      assert.equal(result?.enhancedCode, '4.7.5');
      assert.match(result?.text ?? '', /MTA-STS policy of far\.test \(enforce\) requires STARTTLS/);
      assert.match(result?.text ?? '', /altnames|mx1\.far\.test/);
      assert.equal(result?.host, 'mx1.far.test');
      assert.ok((peers[0]?.sessions.length ?? 0) >= 1, 'the MX was contacted');
      assertNothingSent(peers[0]);
      assert.deepEqual(counts.deferral, ['tls']);
      assert.deepEqual(counts.fetch, ['ok']);
    },
  ),
);

test('enforce + a certificate from an untrusted CA: deferred, nothing sent', BOUND, () =>
  withWorld(
    {
      mx: [[10, 'mx1.far.test', '127.0.0.62']],
      policy: policy('enforce', 'mx1.far.test'),
      // smtp-server's own self-signed certificate: chains to no CA of the trust store.
      peers: [{ host: '127.0.0.62', starttls: true }],
    },
    async ({ peers, deliver }) => {
      const [result] = await deliver();
      assert.equal(result?.outcome, 'deferred');
      assert.equal(result?.enhancedCode, '4.7.5');
      assertNothingSent(peers[0]);
    },
  ),
);

test('enforce + an MX without STARTTLS: deferred, never sent in clear', BOUND, () =>
  withWorld(
    {
      mx: [[10, 'mx1.far.test', '127.0.0.62']],
      policy: policy('enforce', 'mx1.far.test'),
      peers: [{ host: '127.0.0.62' }],
    },
    async ({ peers, deliver }) => {
      const [result] = await deliver();
      assert.equal(result?.outcome, 'deferred');
      assert.equal(result?.enhancedCode, '4.7.5');
      assertNothingSent(peers[0]);
    },
  ),
);

test('enforce + a valid certificate: delivered over TLS', BOUND, () =>
  withWorld(
    {
      mx: [[10, 'mx1.far.test', '127.0.0.62']],
      policy: policy('enforce', '*.far.test'),
      peers: [{ host: '127.0.0.62', certFor: ['mx1.far.test'] }],
    },
    async ({ peers, deliver, counts }) => {
      const [result] = await deliver();
      assert.equal(result?.outcome, 'delivered');
      assert.equal(result?.tls, true);
      assert.equal(peers[0]?.messages.length, 1);
      assert.equal(peers[0]?.messages[0]?.tls, true);
      assert.equal(peers[0]?.messages[0]?.data.toString(), MESSAGE);
      assert.deepEqual(counts.deferral, []);
      // The connection is reused for the next message, still verified.
      const [again] = await deliver();
      assert.equal(again?.outcome, 'delivered');
      assert.equal(peers[0]?.messages.length, 2);
    },
  ),
);

test('testing + a bad certificate: delivered, and the failure logged and counted', BOUND, () =>
  withWorld(
    {
      mx: [[10, 'mx1.far.test', '127.0.0.62']],
      policy: policy('testing', 'mx1.far.test'),
      peers: [{ host: '127.0.0.62', certFor: ['other.example.test'] }],
    },
    async ({ peers, deliver, counts, logLines }) => {
      const [result] = await deliver();
      assert.equal(result?.outcome, 'delivered');
      assert.equal(peers[0]?.messages.length, 1);
      assert.deepEqual(counts.testing, ['tls']);
      assert.deepEqual(counts.deferral, []);
      const line = logLines().find((l) => /^mta-sts testing: would have deferred/.test(l.msg));
      assert.ok(line, 'a warning says what enforce would have done');
      assert.equal(line.domain, 'far.test');
      assert.deepEqual(line.hosts, ['mx1.far.test']);
    },
  ),
);

test('the policy is fetched once for 100 messages to the domain', BOUND, () =>
  withWorld(
    {
      mx: [[10, 'mx1.far.test', '127.0.0.62']],
      policy: policy('enforce', 'mx1.far.test'),
      peers: [{ host: '127.0.0.62', certFor: ['mx1.far.test'] }],
    },
    async ({ peers, deliver, policyServer, counts }) => {
      // 50 at once (they share the fetch in flight), then 50 one after another (from the cache).
      const first = await Promise.all(Array.from({ length: 50 }, (_, i) => deliver([`b${i}@far.test`])));
      for (let i = 50; i < 100; i++) first.push(await deliver([`b${i}@far.test`]));
      assert.equal(first.flat().filter((r) => r.outcome === 'delivered').length, 100);
      assert.equal(peers[0]?.messages.length, 100);
      assert.deepEqual(policyServer.requests, ['mta-sts.far.test /.well-known/mta-sts.txt']);
      assert.deepEqual(counts.fetch, ['ok']);
    },
  ),
);

test('enforce: an MX not in the policy is not used; the one that is takes the mail', BOUND, () =>
  withWorld(
    {
      mx: [
        [10, 'rogue.elsewhere.test', '127.0.0.63'],
        [20, 'mx2.far.test', '127.0.0.64'],
      ],
      policy: policy('enforce', 'mx2.far.test'),
      peers: [
        { host: '127.0.0.63', certFor: ['rogue.elsewhere.test'] },
        { host: '127.0.0.64', certFor: ['mx2.far.test'] },
      ],
    },
    async ({ peers, deliver }) => {
      const [result] = await deliver();
      assert.equal(result?.outcome, 'delivered');
      assert.equal(result?.host, 'mx2.far.test');
      assert.equal(peers[0]?.sessions.length, 0, 'the MX outside the policy was never contacted');
      assert.equal(peers[1]?.messages.length, 1);
    },
  ),
);

test('enforce: no MX in the policy → deferred without contacting any', BOUND, () =>
  withWorld(
    {
      mx: [[10, 'rogue.elsewhere.test', '127.0.0.63']],
      policy: policy('enforce', 'mx.far.test', '*.far.test'),
      peers: [{ host: '127.0.0.63', certFor: ['rogue.elsewhere.test'] }],
    },
    async ({ peers, deliver, counts }) => {
      const [result] = await deliver();
      assert.equal(result?.outcome, 'deferred');
      assert.equal(result?.enhancedCode, '4.7.5');
      assert.match(result?.text ?? '', /allows none of its MX hosts \(rogue\.elsewhere\.test;/);
      assert.equal(peers[0]?.sessions.length, 0);
      assert.deepEqual(counts.deferral, ['mx_mismatch']);
    },
  ),
);

test('a new policy id is fetched again; the same id is not', BOUND, () =>
  withWorld(
    {
      mx: [[10, 'mx1.far.test', '127.0.0.62']],
      policy: policy('testing', 'mx1.far.test'),
      peers: [{ host: '127.0.0.62', certFor: ['mx1.far.test'] }],
      // Every delivery looks at the TXT record again, so the id change is seen at once.
      mtaSts: { txtCacheMs: 0 },
    },
    async ({ peers, deliver, dns, policyServer }) => {
      assert.equal((await deliver())[0]?.outcome, 'delivered');
      assert.equal((await deliver())[0]?.outcome, 'delivered');
      assert.equal(policyServer.requests.length, 1);
      // The domain moves to enforce with an MX list that excludes its MX, under a new id.
      policyServer.policies.set('mta-sts.far.test', policy('enforce', 'mx9.far.test'));
      dns.zone['_mta-sts.far.test'] = { TXT: ['v=STSv1; id=20260202T000000;'] };
      const [result] = await deliver();
      assert.equal(policyServer.requests.length, 2);
      assert.equal(result?.outcome, 'deferred');
      assert.equal(peers[0]?.messages.length, 2);
    },
  ),
);

test('no policy published: opportunistic delivery as before', BOUND, () =>
  withWorld(
    {
      mx: [[10, 'mx1.far.test', '127.0.0.62']],
      policy: null,
      peers: [{ host: '127.0.0.62', starttls: true }],
    },
    async ({ peers, deliver, dns, counts }) => {
      const [result] = await deliver();
      assert.equal(result?.outcome, 'delivered');
      assert.equal(result?.tls, true, 'STARTTLS still used, unverified');
      assert.ok(dns.queries.includes('TXT _mta-sts.far.test'));
      assert.deepEqual(counts.fetch, []);
      assert.equal(peers[0]?.messages.length, 1);
    },
  ),
);

test('a policy file the server answers 404 for: delivered as without MTA-STS', BOUND, () =>
  withWorld(
    {
      mx: [[10, 'mx1.far.test', '127.0.0.62']],
      policy: policy('enforce', 'mx1.far.test'),
      peers: [{ host: '127.0.0.62' }],
    },
    async ({ peers, deliver, policyServer, counts }) => {
      policyServer.policies.clear();
      const [result] = await deliver();
      assert.equal(result?.outcome, 'delivered');
      assert.equal(peers[0]?.messages[0]?.tls, false);
      assert.deepEqual(counts.fetch, ['failed']);
    },
  ),
);

test('with a smarthost MTA-STS does not apply: no TXT lookup, delivered', BOUND, () =>
  withWorld(
    {
      mx: [[10, 'mx1.far.test', '127.0.0.62']],
      policy: policy('enforce', 'mx1.far.test'),
      peers: [{ host: '127.0.0.62' }],
      smarthost: true,
    },
    async ({ peers, deliver, dns, policyServer }) => {
      const [result] = await deliver();
      assert.equal(result?.outcome, 'delivered');
      assert.equal(peers[0]?.messages.length, 1);
      assert.ok(!dns.queries.some((q) => q.includes('_mta-sts')));
      assert.deepEqual(policyServer.requests, []);
    },
  ),
);

test('enforce: a connection left open by mail without a policy is not reused unverified', BOUND, () =>
  withWorld(
    {
      mx: [[10, 'mx1.far.test', '127.0.0.62']],
      policy: policy('enforce', 'mx1.far.test'),
      // smtp-server's self-signed certificate: fine for opportunistic TLS, not for the policy.
      peers: [{ host: '127.0.0.62', starttls: true }],
    },
    async ({ peers, deliver, dns, counts }) => {
      // near.test (no policy) shares the MX: its delivery leaves an idle, unverified TLS session.
      dns.zone['near.test'] = { MX: [{ preference: 10, exchange: 'mx1.far.test' }] };
      const [near] = await deliver(['buyer@near.test'], 'near.test');
      assert.equal(near?.outcome, 'delivered');
      assert.equal(near?.tls, true);
      const [far] = await deliver(['buyer@far.test']);
      assert.equal(far?.outcome, 'deferred');
      assert.equal(far?.enhancedCode, '4.7.5');
      assert.deepEqual(peers[0]?.rcptCommands, ['buyer@near.test']);
      assert.equal(peers[0]?.messages.length, 1);
      assert.ok(counts.deferral.every((r) => r === 'tls') && counts.deferral.length >= 1);
    },
  ),
);
