// Mail sent through email/send and email/mime is delivered the way SMTP mail is (issue 4, acceptance 5):
// the node's delivery worker hands it to a real SMTP peer on loopback (the configured smarthost), to every
// envelope recipient including bcc and the audit copy, with no Bcc header in the delivered bytes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { startSmtpPeer, type ReceivedMessage, type SmtpPeer } from '../helpers/smtp-peer.js';
import { assertOk } from './api-assertions.js';
import { addKey, type SendData } from './email-helpers.js';

let peer: SmtpPeer;
let node: TestNode;

before(async () => {
  peer = await startSmtpPeer();
  node = await startTestNode({
    PETREL_SMARTHOST: `${peer.host}:${peer.port}`,
    PETREL_DELIVERY_CONCURRENCY: '2',
    PETREL_DELIVERY_POLL_SECONDS: '0.1',
  });
});
after(async () => {
  await node.stop();
  await peer.close();
});

/** The copies the peer received whose bytes mention `id` (the Received header names it), once all arrived. */
async function delivered(id: string, copies: number): Promise<ReceivedMessage[]> {
  for (;;) {
    const found = peer.messages.filter((m) => m.data.toString('latin1').includes(` id ${id};`));
    if (found.length >= copies) return found;
    // Waits for the worker; the tests' own timeout (a safety net, not a measure) ends a wait in vain.
    await sleep(50);
  }
}

/** Generous: only a delivery that never happens should ever reach it. */
const WAIT = { timeout: 60_000 };

const rcpts = (messages: ReceivedMessage[]) => messages.flatMap((m) => m.rcptTo).sort();

test(
  'email/send: recipients, bcc and the audit copy are delivered; the bytes carry no Bcc',
  WAIT,
  async () => {
    const key = await addKey(node, { audit_email: 'audit@example.org' });
    const data = assertOk<SendData>(
      await node.call(
        '/email/send',
        {
          sender: 'App <app@example.com>',
          to: ['Jane <jane@example.com>'],
          bcc: ['hidden@example.net'],
          subject: 'Delivered',
          text_body: 'Hello Jane',
        },
        { key: key.key },
      ),
    );
    const copies = await delivered(data.email_id as string, 3);
    assert.deepEqual(rcpts(copies), ['audit@example.org', 'hidden@example.net', 'jane@example.com']);
    for (const copy of copies) {
      assert.equal(copy.mailFrom, 'app@example.com');
      const text = copy.data.toString('latin1');
      assert.match(text, /^Subject: Delivered\r$/m);
      assert.match(text, /with HTTP id /);
      assert.doesNotMatch(text, /hidden@example\.net/);
    }
  },
);

test('email/mime: the message arrives with its own bytes after the Received header', WAIT, async () => {
  const original = 'From: app@example.com\r\nTo: bob@example.com\r\nSubject: Raw\r\n\r\nRaw body\r\n';
  const data = assertOk<SendData>(
    await node.call('/email/mime', { mime_email: Buffer.from(original).toString('base64') }),
  );
  const [copy] = await delivered(data.email_id as string, 1);
  assert.deepEqual(copy?.rcptTo, ['bob@example.com']);
  assert.ok(copy?.data.toString('latin1').endsWith(original), 'the delivered bytes differ from the original');
});
