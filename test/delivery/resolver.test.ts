// MX resolution against a real DNS server on loopback: preference order, shuffling of equal preferences,
// implicit MX, null MX, NXDOMAIN, SERVFAIL and timeouts, the smarthost, and the answer cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RESOLVER_OPTIONS, MxResolver, type ResolverOptions } from '../../src/delivery/resolver.js';
import { DestinationPolicy } from '../../src/delivery/destination-policy.js';
import { startDnsServer, type Zone } from '../helpers/dns-server.js';

const ZONE: Zone = {
  'pref.test': {
    MX: [
      { preference: 20, exchange: 'backup.pref.test' },
      { preference: 10, exchange: 'primary.pref.test' },
    ],
  },
  'primary.pref.test': { A: ['127.0.0.31'], AAAA: ['::1'] },
  'backup.pref.test': { A: ['127.0.0.32'] },
  'equal.test': {
    MX: [
      { preference: 10, exchange: 'a.equal.test' },
      { preference: 10, exchange: 'b.equal.test' },
      { preference: 30, exchange: 'c.equal.test' },
    ],
  },
  'a.equal.test': { A: ['127.0.0.41'] },
  'b.equal.test': { A: ['127.0.0.42'] },
  'c.equal.test': { A: ['127.0.0.43'] },
  'implicit.test': { A: ['127.0.0.51'] },
  'nullmx.test': { MX: [{ preference: 0, exchange: '' }] },
  'broken.test': { rcode: 'SERVFAIL' },
  'slow.test': { silent: true },
  'nohost.test': { MX: [{ preference: 10, exchange: 'ghost.nohost.test' }] },
  'empty.test': {},
};

async function withResolver(
  options: Partial<ResolverOptions>,
  run: (resolver: MxResolver, queries: string[]) => Promise<void>,
): Promise<void> {
  const dns = await startDnsServer(ZONE);
  const resolver = new MxResolver({
    ...DEFAULT_RESOLVER_OPTIONS,
    // Generous: a loaded machine must not turn a slow answer into a failed test.
    timeoutMs: 2_000,
    tries: 2,
    smarthost: null,
    dnsServers: [dns.server],
    // The zone's hosts are on loopback (SPEC §10 refuses it otherwise).
    destinations: new DestinationPolicy({ allowed: ['127.0.0.0/8', '::1'] }),
    ...options,
  });
  try {
    await run(resolver, dns.queries);
  } finally {
    resolver.close();
    await dns.close();
  }
}

test('MX hosts come in preference order with their addresses, IPv4 first', { timeout: 20_000 }, () =>
  withResolver({ mxPort: 2525 }, async (resolver) => {
    const route = await resolver.resolve('PREF.test');
    assert.deepEqual(route, {
      kind: 'hosts',
      hosts: [
        { name: 'primary.pref.test', preference: 10, addresses: ['127.0.0.31', '::1'], port: 2525 },
        { name: 'backup.pref.test', preference: 20, addresses: ['127.0.0.32'], port: 2525 },
      ],
    });
  }),
);

test(
  'MX hosts of equal preference are shuffled, and still come before higher preferences',
  { timeout: 20_000 },
  async () => {
    const orders = new Set<string>();
    for (const random of [() => 0, () => 0.99]) {
      await withResolver({ random }, async (resolver) => {
        const route = await resolver.resolve('equal.test');
        assert.equal(route.kind, 'hosts');
        if (route.kind !== 'hosts') return;
        const names = route.hosts.map((h) => h.name);
        assert.equal(names[2], 'c.equal.test');
        orders.add(names.slice(0, 2).join(','));
      });
    }
    assert.deepEqual([...orders].sort(), ['a.equal.test,b.equal.test', 'b.equal.test,a.equal.test']);
  },
);

test('a domain without MX is its own mail host (implicit MX, A record)', { timeout: 20_000 }, () =>
  withResolver({}, async (resolver) => {
    const route = await resolver.resolve('implicit.test');
    assert.deepEqual(route, {
      kind: 'hosts',
      hosts: [{ name: 'implicit.test', preference: 0, addresses: ['127.0.0.51'], port: 25 }],
    });
  }),
);

test(
  'permanent answers: null MX, NXDOMAIN, no MX and no address, MX hosts without addresses',
  { timeout: 20_000 },
  () =>
    withResolver({}, async (resolver) => {
      const codes = async (domain: string) => {
        const route = await resolver.resolve(domain);
        assert.equal(route.kind, 'failed', domain);
        return route.kind === 'failed' ? route.reply.enhancedCode : '';
      };
      assert.equal(await codes('nullmx.test'), '5.1.10');
      assert.equal(await codes('nowhere.test'), '5.1.2');
      assert.equal(await codes('empty.test'), '5.1.2');
      assert.equal(await codes('nohost.test'), '5.4.4');
    }),
);

test('temporary answers: SERVFAIL and a DNS server that never answers', { timeout: 20_000 }, () =>
  withResolver({ timeoutMs: 200, tries: 1 }, async (resolver) => {
    for (const domain of ['broken.test', 'slow.test']) {
      const route = await resolver.resolve(domain);
      assert.equal(route.kind, 'failed', domain);
      if (route.kind === 'failed') {
        assert.equal(route.reply.enhancedCode, '4.4.3', domain);
        assert.equal(route.reply.code, null);
      }
    }
  }),
);

test('a smarthost replaces MX lookup: no DNS query at all', { timeout: 20_000 }, () =>
  withResolver({ smarthost: { host: '127.0.0.1', port: 2626 } }, async (resolver, queries) => {
    const route = await resolver.resolve('pref.test');
    assert.deepEqual(route, {
      kind: 'hosts',
      hosts: [{ name: '127.0.0.1', preference: 0, addresses: ['127.0.0.1'], port: 2626 }],
    });
    assert.deepEqual(queries, []);
  }),
);

test('answers are cached; with the cache off every resolution asks again', { timeout: 20_000 }, async () => {
  await withResolver({}, async (resolver, queries) => {
    await resolver.resolve('pref.test');
    const asked = queries.length;
    await resolver.resolve('pref.test');
    assert.equal(queries.length, asked);
  });
  await withResolver({ cacheMaxTtlMs: 0 }, async (resolver, queries) => {
    await resolver.resolve('pref.test');
    const asked = queries.length;
    await resolver.resolve('pref.test');
    assert.equal(queries.length, 2 * asked);
  });
});

test('an address literal domain needs no DNS', { timeout: 20_000 }, () =>
  withResolver({}, async (resolver, queries) => {
    const route = await resolver.resolve('[127.0.0.9]');
    assert.equal(route.kind, 'hosts');
    assert.deepEqual(route.kind === 'hosts' ? route.hosts[0]?.addresses : null, ['127.0.0.9']);
    assert.deepEqual(queries, []);
  }),
);
