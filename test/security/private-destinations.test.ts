// Mail is never delivered to loopback, private, link-local or the node's own addresses (SPEC §10):
// address literals of such addresses are refused with the event `rejected` (with a smarthost too), and
// MX or A/AAAA answers pointing at them are not followed — unless PETREL_ALLOWED_PRIVATE_DESTINATIONS
// lists the network. The world here is real: a DNS server and an SMTP peer on loopback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import type { Zone } from '../helpers/dns-server.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import {
  addSmtpUser,
  eventFor,
  plainMessage,
  receivedBy,
  startDeliveryWorld,
  submit,
  type DeliveryWorld,
} from '../e2e/delivery-world.js';

const ZONE: Zone = {
  'inside.test': { MX: [{ preference: 10, exchange: 'mx.inside.test' }] },
  'mx.inside.test': { A: ['127.0.0.1'] },
  'implicit-inside.test': { A: ['127.0.0.1'] },
};

const LITERALS = ['probe@[127.0.0.1]', 'x@[10.1.2.3]', 'y@[IPv6:::1]', 'z@[169.254.169.254]'];

async function send(world: DeliveryWorld, user: string, to: string[]): Promise<string> {
  return submit(world.smtpPort, {
    user,
    from: 'app@shop.test',
    to,
    raw: plainMessage('app@shop.test', to[0] as string, `Private ${user} ${to.length}`),
  });
}

describe('nothing private allowed (the default)', () => {
  let world: DeliveryWorld;
  before(async () => {
    world = await startDeliveryWorld({
      zone: ZONE,
      peers: [{ host: '127.0.0.1' }],
      env: { PETREL_ALLOWED_PRIVATE_DESTINATIONS: '' },
    });
    await addSmtpUser(world.node, 'inner');
  });
  after(() => world.stop());

  test('address literals of private addresses are refused with the event rejected', async () => {
    const id = await send(world, 'inner', LITERALS);
    for (const rcpt of LITERALS) {
      const event = await eventFor(world.node, id, 'rejected', rcpt);
      assert.equal(event.reason, 'private_destination');
    }
    assert.deepEqual(world.peer('127.0.0.1').messages, []);
  });

  test('MX and A answers pointing at loopback are not followed', async () => {
    const id = await send(world, 'inner', ['a@inside.test', 'b@implicit-inside.test']);
    const viaMx = await eventFor(world.node, id, 'hard-bounced', 'a@inside.test');
    assert.match(viaMx.smtp_response ?? '', /5\.4\.4 .*inside\.test.*address Petrel may deliver to/);
    await eventFor(world.node, id, 'hard-bounced', 'b@implicit-inside.test');
    assert.equal(world.peer('127.0.0.1').sessions.length, 0);
  });

  test('a malformed CIDR in PETREL_ALLOWED_PRIVATE_DESTINATIONS stops start-up with one clear line', () => {
    assert.throws(
      () => loadConfig({ env: { PETREL_ALLOWED_PRIVATE_DESTINATIONS: '127.0.0.0/8,10.0.0.0/33' } }),
      {
        message:
          "Invalid configuration: PETREL_ALLOWED_PRIVATE_DESTINATIONS has '10.0.0.0/33', which is not a CIDR block (e.g. 10.0.0.0/8) or IP address",
      },
    );
  });
});

describe('PETREL_ALLOWED_PRIVATE_DESTINATIONS lists loopback', () => {
  let world: DeliveryWorld;
  before(async () => {
    world = await startDeliveryWorld({
      zone: ZONE,
      peers: [{ host: '127.0.0.1' }],
      env: { PETREL_ALLOWED_PRIVATE_DESTINATIONS: '127.0.0.0/8' },
    });
    await addSmtpUser(world.node, 'allowed');
  });
  after(() => world.stop());

  test('MX answers in the listed network are followed; other private literals are still refused', async () => {
    const id = await send(world, 'allowed', ['a@inside.test', 'x@[10.1.2.3]']);
    await receivedBy(world.peer('127.0.0.1'), 'a@inside.test');
    await eventFor(world.node, id, 'delivered', 'a@inside.test');
    await eventFor(world.node, id, 'rejected', 'x@[10.1.2.3]');
  });
});

describe('with a smarthost', () => {
  let peer: SmtpPeer;
  let node: TestNode;
  before(async () => {
    peer = await startSmtpPeer({ host: '127.0.0.2' });
    // Nothing private is allowed besides the smarthost itself.
    node = await startTestNode({
      PETREL_SMARTHOST: `127.0.0.2:${peer.port}`,
      PETREL_DELIVERY_CONCURRENCY: '4',
      PETREL_DELIVERY_POLL_SECONDS: '0.5',
      PETREL_ALLOWED_PRIVATE_DESTINATIONS: '',
    });
    await addSmtpUser(node, 'relayed');
  });
  after(async () => {
    await node.stop();
    await peer.close();
  });

  test('the smarthost itself is used; private address literals are still refused', async () => {
    const to = ['ok@example.com', 'probe@[127.0.0.1]'];
    const id = await submit(node.smtp.ports.smtp[0] as number, {
      user: 'relayed',
      from: 'app@shop.test',
      to,
      raw: plainMessage('app@shop.test', 'ok@example.com', 'Smarthost'),
    });
    await receivedBy(peer, 'ok@example.com');
    await eventFor(node, id, 'delivered', 'ok@example.com');
    await eventFor(node, id, 'rejected', 'probe@[127.0.0.1]');
    assert.ok(peer.messages.every((m) => !m.rcptTo.includes('probe@[127.0.0.1]')));
  });
});
