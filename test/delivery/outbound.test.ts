// Outbound delivery end to end on loopback: a real DNS server answers the MX lookups and real SMTP peers
// (some misbehaving on purpose) receive the mail; each test asserts on what the peer saw and on the
// per-recipient results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { IpPoolConfig } from '../../src/config/settings.js';
import { buildDsn, dsnRecipientFrom } from '../../src/delivery/dsn.js';
import {
  createOutboundDelivery,
  type MessageSource,
  type OutboundTuning,
} from '../../src/delivery/outbound.js';
import { nextAttempt } from '../../src/delivery/retry-policy.js';
import type { ResolverOptions } from '../../src/delivery/resolver.js';
import type { RecipientResult } from '../../src/delivery/types.js';
import { startDnsServer, type TestDnsServer, type Zone } from '../helpers/dns-server.js';
import { startPeersOnOnePort, type PeerOptions, type SmtpPeer } from '../helpers/smtp-peer.js';

const BOUND = { timeout: 30_000 };
const MESSAGE = 'From: sender@shop.test\r\nTo: buyer@far.test\r\nSubject: Order\r\n\r\nThank you.\r\n';

const same = (body = MESSAGE): MessageSource => ({ sameForAll: true, open: () => Readable.from([body]) });

interface Setup {
  zone?: Zone;
  dnsSilent?: boolean;
  /** Peers on one port: MX records point at their addresses. */
  peers?: (PeerOptions & { host: string })[];
  ipPools?: IpPoolConfig[];
  smarthost?: boolean;
  tuning?: Partial<OutboundTuning>;
  resolver?: Partial<ResolverOptions>;
}

interface World {
  dns: TestDnsServer;
  peers: SmtpPeer[];
  deliver: (
    domain: string,
    recipients: string[],
    extra?: { message?: MessageSource; mailFrom?: string; ipPool?: number | null },
  ) => Promise<RecipientResult[]>;
}

/** Starts DNS, peers and the delivery service; stops them all afterwards, whatever happened. */
async function withWorld(setup: Setup, run: (world: World) => Promise<void>): Promise<void> {
  const peers = setup.peers ? await startPeersOnOnePort(setup.peers) : [];
  const dns = await startDnsServer(setup.zone ?? {}, { silent: setup.dnsSilent });
  const port = peers[0]?.port ?? 25;
  const delivery = createOutboundDelivery(
    {
      hostname: 'relay.petrel.test',
      ipPools: setup.ipPools ?? [],
      smarthost: setup.smarthost ? { host: peers[0]?.host ?? '127.0.0.1', port } : null,
      dnsServers: [dns.server],
      // The peers listen on loopback (SPEC §10 refuses it otherwise).
      allowedPrivateDestinations: ['127.0.0.0/8', '::1'],
    },
    {
      connectTimeoutMs: 5_000,
      greetingTimeoutMs: 5_000,
      socketTimeoutMs: 10_000,
      ...setup.tuning,
      // Generous: a loaded machine must not turn a slow answer into a failed test.
      resolver: { mxPort: port, timeoutMs: 2_000, tries: 2, ...setup.resolver },
    },
  );
  try {
    await run({
      dns,
      peers,
      deliver: (domain, recipients, extra = {}) =>
        delivery.deliverToDomain({
          domain,
          mailFrom: extra.mailFrom ?? 'sender@shop.test',
          recipients,
          message: extra.message ?? same(),
          ipPool: extra.ipPool ?? null,
        }),
    });
  } finally {
    delivery.close();
    await Promise.all(peers.map((p) => p.close()));
    await dns.close();
  }
}

const mx = (...hosts: [number, string, string][]): Zone => {
  const zone: Zone = {
    'far.test': { MX: hosts.map(([preference, exchange]) => ({ preference, exchange })) },
  };
  for (const [, name, address] of hosts) zone[name] = { A: [address] };
  return zone;
};

test('mail goes to the most preferred MX', BOUND, () =>
  withWorld(
    {
      zone: mx([20, 'backup.far.test', '127.0.0.32'], [10, 'primary.far.test', '127.0.0.31']),
      peers: [{ host: '127.0.0.31' }, { host: '127.0.0.32' }],
    },
    async ({ peers, deliver }) => {
      const [result] = await deliver('far.test', ['buyer@far.test']);
      assert.equal(result?.outcome, 'delivered');
      assert.equal(result?.host, 'primary.far.test');
      assert.equal(peers[0]?.messages.length, 1);
      assert.equal(peers[1]?.sessions.length, 0);
      assert.equal(peers[0]?.messages[0]?.data.toString(), MESSAGE);
      assert.deepEqual(peers[0]?.messages[0]?.rcptTo, ['buyer@far.test']);
      assert.equal(peers[0]?.messages[0]?.mailFrom, 'sender@shop.test');
    },
  ),
);

test('an MX that refuses connections is passed over for the next one', BOUND, () =>
  withWorld(
    {
      // Nothing listens on 127.0.0.20 (at the peers' port): the connection is refused.
      zone: mx([10, 'dead.far.test', '127.0.0.20'], [20, 'alive.far.test', '127.0.0.21']),
      peers: [{ host: '127.0.0.21' }],
    },
    async ({ peers, deliver }) => {
      const [result] = await deliver('far.test', ['buyer@far.test']);
      assert.equal(result?.outcome, 'delivered');
      assert.equal(result?.host, 'alive.far.test');
      assert.equal(peers[0]?.messages.length, 1);
    },
  ),
);

test(
  'an MX whose greeting refuses the session is passed over too; if all refuse for now, it is deferred',
  BOUND,
  () =>
    withWorld(
      {
        zone: mx([10, 'busy.far.test', '127.0.0.22'], [20, 'alive.far.test', '127.0.0.23']),
        peers: [
          { host: '127.0.0.22', greeting: { code: 421, message: 'Too busy, come back later' } },
          { host: '127.0.0.23' },
        ],
      },
      async ({ peers, deliver }) => {
        const [ok] = await deliver('far.test', ['buyer@far.test']);
        assert.equal(ok?.outcome, 'delivered');
        assert.equal(peers[0]?.sessions.length, 1);
        assert.equal(peers[1]?.messages.length, 1);
        await peers[1]?.close();
        const [later] = await deliver('far.test', ['buyer@far.test']);
        assert.equal(later?.outcome, 'deferred');
        assert.equal(later?.stage, 'connect');
      },
    ),
);

test('a domain without MX receives at its A record (implicit MX)', BOUND, () =>
  withWorld(
    { zone: { 'far.test': { A: ['127.0.0.24'] } }, peers: [{ host: '127.0.0.24' }] },
    async ({ peers, deliver }) => {
      const [result] = await deliver('far.test', ['buyer@far.test']);
      assert.equal(result?.outcome, 'delivered');
      assert.equal(result?.host, 'far.test');
      assert.equal(peers[0]?.messages.length, 1);
    },
  ),
);

test('a null MX bounces every recipient at once, without a connection', BOUND, () =>
  withWorld(
    { zone: { 'far.test': { MX: [{ preference: 0, exchange: '' }] } }, peers: [{ host: '127.0.0.25' }] },
    async ({ peers, deliver }) => {
      const results = await deliver('far.test', ['a@far.test', 'b@far.test']);
      assert.deepEqual(
        results.map((r) => [r.recipient, r.outcome, r.enhancedCode, r.stage]),
        [
          ['a@far.test', 'bounced', '5.1.10', 'dns'],
          ['b@far.test', 'bounced', '5.1.10', 'dns'],
        ],
      );
      assert.equal(peers[0]?.sessions.length, 0);
    },
  ),
);

test('a DNS server that never answers defers the recipients', BOUND, () =>
  withWorld({ dnsSilent: true, resolver: { timeoutMs: 200, tries: 1 } }, async ({ dns, deliver }) => {
    const [result] = await deliver('far.test', ['buyer@far.test']);
    assert.equal(result?.outcome, 'deferred');
    assert.equal(result?.stage, 'dns');
    assert.equal(result?.enhancedCode, '4.4.3');
    assert.ok(dns.queries.includes('MX far.test'));
  }),
);

test('4xx at RCPT is deferred, and the retry after the back-off delivers', BOUND, () =>
  withWorld(
    {
      zone: mx([10, 'mx.far.test', '127.0.0.26']),
      peers: [
        {
          host: '127.0.0.26',
          rcptFailures: { times: 1, code: 450, message: '4.2.0 Greylisted, try again soon' },
        },
      ],
    },
    async ({ peers, deliver }) => {
      const arrivedAt = Date.now();
      const [first] = await deliver('far.test', ['buyer@far.test']);
      assert.deepEqual(
        [first?.outcome, first?.code, first?.enhancedCode, first?.stage],
        ['deferred', 450, '4.2.0', 'rcpt'],
      );
      assert.equal(peers[0]?.messages.length, 0);

      const policy = { firstDelayMs: 50, factor: 2, maxDelayMs: 200, maxAgeMs: 60_000, jitter: 0.1 };
      const next = nextAttempt(policy, { arrivedAt, failedAttempts: 1, now: Date.now() });
      assert.equal(next.kind, 'retry');
      if (next.kind === 'retry') await new Promise((r) => setTimeout(r, Math.max(0, next.at - Date.now())));
      const [second] = await deliver('far.test', ['buyer@far.test']);
      assert.equal(second?.outcome, 'delivered');
      assert.equal(peers[0]?.messages.length, 1);
    },
  ),
);

test('4xx after DATA defers the accepted recipients; one refused at RCPT still bounces', BOUND, () =>
  withWorld(
    {
      zone: mx([10, 'mx.far.test', '127.0.0.26']),
      peers: [
        {
          host: '127.0.0.26',
          dataFailures: { times: 1, code: 451, message: '4.3.0 Queue write error' },
          rejectRecipients: { 'gone@far.test': { code: 550, message: '5.1.1 No such user' } },
        },
      ],
    },
    async ({ deliver }) => {
      const results = await deliver('far.test', ['a@far.test', 'gone@far.test', 'b@far.test']);
      assert.deepEqual(
        results.map((r) => [r.recipient, r.outcome, r.code, r.stage]),
        [
          ['a@far.test', 'deferred', 451, 'message'],
          ['gone@far.test', 'bounced', 550, 'rcpt'],
          ['b@far.test', 'deferred', 451, 'message'],
        ],
      );
    },
  ),
);

test('5xx bounces that recipient only; the others of the transaction are delivered', BOUND, () =>
  withWorld(
    {
      zone: mx([10, 'mx.far.test', '127.0.0.27']),
      peers: [
        {
          host: '127.0.0.27',
          rejectRecipients: { 'gone@far.test': { code: 550, message: '5.1.1 No such user' } },
        },
      ],
    },
    async ({ peers, deliver }) => {
      const results = await deliver('far.test', ['buyer@far.test', 'gone@far.test']);
      assert.deepEqual(
        results.map((r) => [r.recipient, r.outcome, r.code, r.enhancedCode, r.text, r.host]),
        [
          ['buyer@far.test', 'delivered', 250, '2.0.0', 'Queued', 'mx.far.test'],
          ['gone@far.test', 'bounced', 550, '5.1.1', 'No such user', 'mx.far.test'],
        ],
      );
      assert.deepEqual(peers[0]?.messages[0]?.rcptTo, ['buyer@far.test']);
    },
  ),
);

test('a 5xx worded as greylisting is deferred, not bounced (bounce rules)', BOUND, () =>
  withWorld(
    {
      zone: mx([10, 'mx.far.test', '127.0.0.27']),
      peers: [
        {
          host: '127.0.0.27',
          rcptFailures: { times: 1, code: 550, message: '5.7.1 Greylisted, please try again later' },
        },
      ],
    },
    async ({ deliver }) => {
      const [result] = await deliver('far.test', ['buyer@far.test']);
      assert.equal(result?.outcome, 'deferred');
      assert.equal(result?.code, 550);
      assert.equal(result?.rule, 'greylisting');
    },
  ),
);

test('a connection dropped mid-DATA defers the message; the next attempt delivers it', BOUND, () =>
  withWorld(
    {
      zone: mx([10, 'mx.far.test', '127.0.0.28']),
      peers: [{ host: '127.0.0.28', dropMidData: { times: 1 } }],
    },
    async ({ peers, deliver }) => {
      const big = `${MESSAGE}${'x'.repeat(76)}\r\n`.repeat(2_000);
      const [first] = await deliver('far.test', ['buyer@far.test'], { message: same(big) });
      assert.deepEqual([first?.outcome, first?.code, first?.enhancedCode], ['deferred', null, '4.4.2']);
      assert.equal(peers[0]?.messages.length, 0);
      const [second] = await deliver('far.test', ['buyer@far.test'], { message: same(big) });
      assert.equal(second?.outcome, 'delivered');
      assert.equal(peers[0]?.messages[0]?.data.length, Buffer.byteLength(big));
    },
  ),
);

test('STARTTLS is used when the peer offers it (its certificate is self-signed), and recorded', BOUND, () =>
  withWorld(
    {
      zone: mx([10, 'tls.far.test', '127.0.0.29'], [20, 'plain.far.test', '127.0.0.30']),
      peers: [{ host: '127.0.0.29', starttls: true }, { host: '127.0.0.30' }],
    },
    async ({ peers, deliver }) => {
      const [secure] = await deliver('far.test', ['buyer@far.test']);
      assert.equal(secure?.outcome, 'delivered');
      assert.equal(secure?.tls, true);
      assert.equal(peers[0]?.messages[0]?.tls, true);
      await peers[0]?.close();
      const [plain] = await deliver('far.test', ['buyer@far.test']);
      assert.equal(plain?.outcome, 'delivered');
      assert.equal(plain?.tls, false);
      assert.equal(peers[1]?.messages[0]?.tls, false);
    },
  ),
);

test('a failed STARTTLS handshake falls back to plain text on a new connection', BOUND, () =>
  withWorld(
    { zone: mx([10, 'mx.far.test', '127.0.0.29']), peers: [{ host: '127.0.0.29', brokenTls: true }] },
    async ({ peers, deliver }) => {
      const [result] = await deliver('far.test', ['buyer@far.test']);
      assert.equal(result?.outcome, 'delivered');
      assert.equal(result?.tls, false);
      assert.equal(peers[0]?.sessions.length, 2);
      assert.equal(peers[0]?.messages[0]?.tls, false);
    },
  ),
);

test(
  "an IP pool's addresses are used round robin as the local address, with the pool's EHLO name",
  BOUND,
  () =>
    withWorld(
      {
        zone: mx([10, 'mx.far.test', '127.0.0.1']),
        peers: [{ host: '127.0.0.1' }],
        ipPools: [
          {
            id: 7,
            name: 'Main Pool',
            ip_addresses: ['127.0.0.2', '127.0.0.3'],
            ehlo: 'mta1.pool.test',
            accounts: '*',
          },
        ],
      },
      async ({ peers, deliver }) => {
        for (let i = 0; i < 4; i++) {
          const [result] = await deliver('far.test', ['buyer@far.test'], { ipPool: 7 });
          assert.equal(result?.outcome, 'delivered');
        }
        const seen = peers[0]?.messages.map((m) => [m.remoteAddress, m.ehlo]);
        assert.deepEqual(seen, [
          ['127.0.0.2', 'mta1.pool.test'],
          ['127.0.0.3', 'mta1.pool.test'],
          ['127.0.0.2', 'mta1.pool.test'],
          ['127.0.0.3', 'mta1.pool.test'],
        ]);
        // Without a pool: the system's address and the node's host name.
        await deliver('far.test', ['buyer@far.test']);
        assert.deepEqual(peers[0]?.messages.at(-1)?.ehlo, 'relay.petrel.test');
        assert.equal(peers[0]?.messages.at(-1)?.remoteAddress, '127.0.0.1');
      },
    ),
);

test('an unknown IP pool defers rather than sending from another address', BOUND, () =>
  withWorld(
    { zone: mx([10, 'mx.far.test', '127.0.0.1']), peers: [{ host: '127.0.0.1' }] },
    async ({ peers, deliver }) => {
      const [result] = await deliver('far.test', ['buyer@far.test'], { ipPool: 99 });
      assert.deepEqual(
        [result?.outcome, result?.stage, result?.enhancedCode],
        ['deferred', 'config', '4.3.5'],
      );
      assert.equal(peers[0]?.sessions.length, 0);
    },
  ),
);

test('smarthost mode sends everything to the smarthost without a DNS query', BOUND, () =>
  withWorld({ smarthost: true, peers: [{ host: '127.0.0.1' }] }, async ({ dns, peers, deliver }) => {
    const [a] = await deliver('far.test', ['buyer@far.test']);
    const [b] = await deliver('elsewhere.test', ['x@elsewhere.test']);
    assert.equal(a?.outcome, 'delivered');
    assert.equal(b?.outcome, 'delivered');
    assert.deepEqual(
      peers[0]?.messages.map((m) => m.rcptTo[0]),
      ['buyer@far.test', 'x@elsewhere.test'],
    );
    assert.deepEqual(dns.queries, []);
  }),
);

test('two messages to one host share one connection (RSET between them)', BOUND, () =>
  withWorld(
    { zone: mx([10, 'mx.far.test', '127.0.0.1']), peers: [{ host: '127.0.0.1' }] },
    async ({ peers, deliver }) => {
      await deliver('far.test', ['a@far.test']);
      await deliver('far.test', ['b@far.test']);
      assert.equal(peers[0]?.messages.length, 2);
      assert.equal(peers[0]?.sessions.length, 1);
      assert.equal(peers[0]?.messages[0]?.sessionId, peers[0]?.messages[1]?.sessionId);
    },
  ),
);

test('a pooled connection the server has hung up on is replaced, not used', BOUND, () =>
  withWorld(
    { zone: mx([10, 'mx.far.test', '127.0.0.1']), peers: [{ host: '127.0.0.1' }] },
    async ({ peers, deliver }) => {
      await deliver('far.test', ['a@far.test']);
      peers[0]?.dropConnections();
      const [result] = await deliver('far.test', ['b@far.test']);
      assert.equal(result?.outcome, 'delivered');
      assert.equal(peers[0]?.messages.length, 2);
      assert.equal(peers[0]?.sessions.length, 2);
    },
  ),
);

test('no more connections to a host than the limit, however many deliveries run at once', BOUND, () =>
  withWorld(
    {
      zone: mx([10, 'mx.far.test', '127.0.0.1']),
      peers: [{ host: '127.0.0.1' }],
      tuning: { maxConnectionsPerDestination: 2 },
    },
    async ({ peers, deliver }) => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => deliver('far.test', [`r${i}@far.test`])),
      );
      assert.ok(results.every(([r]) => r?.outcome === 'delivered'));
      assert.equal(peers[0]?.messages.length, 8);
      assert.ok((peers[0]?.sessions.length ?? 0) <= 2, `${peers[0]?.sessions.length} connections`);
    },
  ),
);

test('identical copies go in one transaction; differing copies in one transaction each', BOUND, () =>
  withWorld(
    { zone: mx([10, 'mx.far.test', '127.0.0.1']), peers: [{ host: '127.0.0.1' }] },
    async ({ peers, deliver }) => {
      await deliver('far.test', ['a@far.test', 'b@far.test']);
      assert.deepEqual(peers[0]?.messages[0]?.rcptTo, ['a@far.test', 'b@far.test']);

      const personal: MessageSource = {
        sameForAll: false,
        open: (recipient) => Readable.from([`To: ${recipient}\r\n\r\nHello ${recipient}\r\n`]),
      };
      const results = await deliver('far.test', ['c@far.test', 'd@far.test'], { message: personal });
      assert.ok(results.every((r) => r.outcome === 'delivered'));
      const copies = peers[0]?.messages.slice(1).map((m) => [m.rcptTo.join(','), m.data.toString()]);
      assert.deepEqual(copies, [
        ['c@far.test', 'To: c@far.test\r\n\r\nHello c@far.test\r\n'],
        ['d@far.test', 'To: d@far.test\r\n\r\nHello d@far.test\r\n'],
      ]);
      assert.equal(peers[0]?.sessions.length, 1);
    },
  ),
);

test('a large batch of identical copies is split at the recipients-per-transaction limit', BOUND, () =>
  withWorld(
    {
      zone: mx([10, 'mx.far.test', '127.0.0.1']),
      peers: [{ host: '127.0.0.1' }],
      tuning: { maxRecipientsPerTransaction: 2 },
    },
    async ({ peers, deliver }) => {
      const recipients = ['a@far.test', 'b@far.test', 'c@far.test', 'd@far.test', 'e@far.test'];
      const results = await deliver('far.test', recipients);
      assert.ok(results.every((r) => r.outcome === 'delivered'));
      assert.deepEqual(
        peers[0]?.messages.map((m) => m.rcptTo.length),
        [2, 2, 1],
      );
    },
  ),
);

test('a DSN goes out with the null sender (MAIL FROM:<>)', BOUND, () =>
  withWorld(
    { zone: mx([10, 'mx.far.test', '127.0.0.1']), peers: [{ host: '127.0.0.1' }] },
    async ({ peers, deliver }) => {
      const failed: RecipientResult = {
        recipient: 'gone@far.test',
        outcome: 'bounced',
        code: 550,
        enhancedCode: '5.1.1',
        text: 'No such user',
        stage: 'rcpt',
        host: 'mx.far.test',
        remoteAddress: '127.0.0.27',
        localAddress: null,
        tls: false,
        rule: null,
      };
      const dsn = buildDsn({
        reportingMta: 'relay.petrel.test',
        to: 'sender@far.test',
        arrivalDate: new Date(),
        recipients: [dsnRecipientFrom(failed, 'failed')],
        originalHeaders: MESSAGE.split('\r\n\r\n')[0] ?? '',
      });
      const [result] = await deliver('far.test', ['sender@far.test'], { mailFrom: '', message: same(dsn) });
      assert.equal(result?.outcome, 'delivered');
      assert.equal(peers[0]?.messages[0]?.mailFrom, '');
      assert.match(peers[0]?.messages[0]?.data.toString() ?? '', /report-type=delivery-status/);
    },
  ),
);
