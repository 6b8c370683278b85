// IP networks of the allow lists and IP authentication (SPEC §8): parsing with ipaddr.js, canonical
// text, IPv4-mapped IPv6, containment and overlap, and every malformed form refused with a reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addressKey,
  networkContains,
  networksOverlap,
  parseNetwork,
  type IpNetwork,
} from '../../src/domain/ip-network.js';
import { matchKeys, normaliseListEntry } from '../../src/domain/address-list.js';

function net(text: string): IpNetwork {
  const result = parseNetwork(text);
  assert.ok(result.ok, `${text}: ${result.ok ? '' : result.reason}`);
  return result.network;
}

test('canonical forms', () => {
  assert.equal(net('192.0.2.7').text, '192.0.2.7');
  assert.equal(net('192.0.2.7/32').text, '192.0.2.7');
  assert.equal(net(' 198.51.100.0/24 ').text, '198.51.100.0/24');
  assert.equal(net('2001:DB8:0:0::/32').text, '2001:db8::/32');
  assert.equal(net('2001:db8::1/128').text, '2001:db8::1');
  assert.equal(net('::ffff:192.0.2.0/120').text, '192.0.2.0/24');
  assert.equal(net('::ffff:192.0.2.9').text, '192.0.2.9');
  assert.equal(net('0.0.0.0/0').text, '0.0.0.0/0');
  assert.equal(net('::/0').text, '::/0');
});

test('malformed networks are refused with a reason', () => {
  const reasons: [string, RegExp][] = [
    ['', /IPv4 or IPv6/],
    ['300.1.1.1', /IPv4 or IPv6/],
    ['1.2.3', /IPv4 or IPv6/],
    ['0x7f.0.0.1', /IPv4 or IPv6/],
    ['example.com', /IPv4 or IPv6/],
    ['fe80::1%eth0', /IPv4 or IPv6/],
    ['10.0.0.0/33', /prefix length outside 0 to 32/],
    ['2001:db8::/129', /prefix length outside 0 to 128/],
    ['10.0.0.0/', /not a number/],
    ['10.0.0.0/-1', /not a number/],
    ['10.0.0.5/24', /the network is 10\.0\.0\.0\/24/],
    ['2001:db8::1/32', /the network is 2001:db8::\/32/],
  ];
  for (const [input, reason] of reasons) {
    const result = parseNetwork(input);
    assert.equal(result.ok, false, input);
    if (!result.ok) assert.match(result.reason, reason, input);
  }
});

test('containment: IPv4, IPv6 and IPv4-mapped client addresses', () => {
  const loop = net('127.0.0.0/8');
  assert.ok(networkContains(loop, addressKey('127.0.0.1') as string));
  assert.ok(networkContains(loop, addressKey('::ffff:127.9.9.9') as string));
  assert.ok(!networkContains(loop, addressKey('128.0.0.1') as string));
  assert.ok(!networkContains(loop, addressKey('::1') as string));
  const v6 = net('2001:db8:1::/48');
  assert.ok(networkContains(v6, addressKey('2001:db8:1:ffff::1') as string));
  assert.ok(!networkContains(v6, addressKey('2001:db8:2::1') as string));
  // All of IPv6 does not hold IPv4 clients' mapped keys only by accident: ::/0 does, 0.0.0.0/0 is IPv4.
  assert.ok(networkContains(net('0.0.0.0/0'), addressKey('203.0.113.5') as string));
  assert.ok(!networkContains(net('0.0.0.0/0'), addressKey('2001:db8::1') as string));
  assert.equal(addressKey('not an ip'), null);
});

test('overlap', () => {
  assert.ok(networksOverlap(net('10.0.0.0/8'), net('10.1.2.0/24')));
  assert.ok(networksOverlap(net('10.1.2.0/24'), net('10.1.2.255')));
  assert.ok(!networksOverlap(net('10.1.2.0/24'), net('10.1.3.0/24')));
  assert.ok(networksOverlap(net('::ffff:10.0.0.0/104'), net('10.200.0.1')));
  assert.ok(!networksOverlap(net('2001:db8::/32'), net('2001:db9::/32')));
});

test('allowed-list entries: addresses and bare domains, lower-cased', () => {
  assert.deepEqual(normaliseListEntry(' Ops@Shop.Example '), { ok: true, value: 'ops@shop.example' });
  assert.deepEqual(normaliseListEntry('@Brand.Example'), { ok: true, value: 'brand.example' });
  assert.equal(normaliseListEntry('localhost').ok, false);
  assert.equal(normaliseListEntry('not an address').ok, false);
  assert.equal(normaliseListEntry('a@@b.example').ok, false);
  assert.deepEqual(matchKeys('Boss@Corp.Example'), ['boss@corp.example', 'corp.example']);
});
