// Reading returned mail (SPEC §6) without a server: every shape of the corpus is parsed with postal-mime
// and classified for its recipient; the tables of bounce phrases match their own examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEMPORARY_5XX_RULES } from '../../src/delivery/bounce-rules.js';
import {
  AUTO_REPLY_SUBJECTS,
  BOUNCE_PHRASE_RULES,
  BOUNCE_SENDERS,
  BOUNCE_SUBJECTS,
  RETURNED_COPY_MARKERS,
} from '../../src/inbound/bounce-phrases.js';
import { classifyReturned } from '../../src/inbound/classify.js';
import { parseReturnedMessage } from '../../src/inbound/parse-report.js';
import { CORPUS, type ReturnedContext } from './corpus.js';

const ctx: ReturnedContext = {
  verp: 'b-0000000000000000000-aaaaaaaaaaaaa@bounces.petrel.test',
  recipient: 'carol@far.test',
  subject: 'Your invoice',
  originalHeaders: [
    'Received: from client (127.0.0.1) by petrel.test',
    'From: Shop <shop@sender.test>',
    'To: carol@far.test',
    'Subject: Your invoice',
    'Message-ID: <invoice@shop.test>',
  ].join('\r\n'),
};

for (const shape of CORPUS) {
  test(`corpus: ${shape.name}`, async () => {
    const parsed = await parseReturnedMessage(Buffer.from(shape.build(ctx)));
    const outcome = classifyReturned(parsed, ctx.recipient);
    const want = shape.expect(ctx);
    assert.equal(outcome.event, want.event, JSON.stringify(outcome));
    if (outcome.event === null) return;
    if (want.smtpResponse !== undefined) assert.equal(outcome.smtpResponse, want.smtpResponse);
    if (want.host !== undefined) assert.equal(outcome.host, want.host);
    if (parsed.kind !== 'other')
      assert.match(parsed.originalHeaders ?? '', /Message-ID: <invoice@shop\.test>/);
  });
}

test('a DSN names the recipient it is about among several', async () => {
  const raw = CORPUS[2]!.build(ctx).replace('Action: failed', 'Action: failed');
  // Two recipients: another that was delivered, then ours that failed.
  const twoGroups = raw.replace(
    `Final-Recipient: rfc822; ${ctx.recipient}`,
    `Final-Recipient: rfc822; dave@far.test\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\nFinal-Recipient: rfc822; ${ctx.recipient}`,
  );
  const outcome = classifyReturned(await parseReturnedMessage(Buffer.from(twoGroups)), ctx.recipient);
  assert.equal(outcome.event, 'hard-bounced');
  const delivered = classifyReturned(await parseReturnedMessage(Buffer.from(twoGroups)), 'dave@far.test');
  assert.equal(delivered.event, null);
});

test('a DSN with a temporary status but Action: failed is soft; success reports are ignored', async () => {
  const postfix = CORPUS[2]!.build(ctx);
  const soft = postfix.replace('Status: 5.1.1', 'Status: 4.2.2');
  const outcome = classifyReturned(await parseReturnedMessage(Buffer.from(soft)), ctx.recipient);
  assert.equal(outcome.event, 'soft-bounced');
  const success = postfix
    .replace('Action: failed', 'Action: delivered')
    .replace('Status: 5.1.1', 'Status: 2.0.0');
  assert.equal(classifyReturned(await parseReturnedMessage(Buffer.from(success)), ctx.recipient).event, null);
});

test('an ARF report of type not-spam or auth-failure is not a complaint', async () => {
  const arf = CORPUS.find((s) => s.name.startsWith('ARF'))!.build(ctx);
  for (const type of ['not-spam', 'auth-failure']) {
    const parsed = await parseReturnedMessage(
      Buffer.from(arf.replace('Feedback-Type: abuse', `Feedback-Type: ${type}`)),
    );
    assert.equal(classifyReturned(parsed, ctx.recipient).event, null, type);
  }
});

test('ordinary mail to a VERP address (a person replying) is ignored', async () => {
  const raw =
    'From: Bob <bob@far.test>\r\nTo: x@y\r\nSubject: Re: Your invoice\r\n\r\nThanks, 550 5.1.1 looks odd.\r\n';
  const outcome = classifyReturned(await parseReturnedMessage(Buffer.from(raw)), ctx.recipient);
  assert.deepEqual(outcome, { event: null, why: 'unrecognised' });
});

test('every rule of the phrase tables matches its own example', () => {
  for (const table of [
    BOUNCE_SENDERS,
    BOUNCE_SUBJECTS,
    AUTO_REPLY_SUBJECTS,
    RETURNED_COPY_MARKERS,
    BOUNCE_PHRASE_RULES,
  ]) {
    for (const rule of table) assert.match(rule.example, rule.pattern, rule.name);
  }
  // The soft phrases come first: a full mailbox is never read as "no such user".
  const firstHard = BOUNCE_PHRASE_RULES.findIndex((r) => r.outcome === 'hard');
  assert.ok(BOUNCE_PHRASE_RULES.slice(firstHard).every((r) => r.outcome === 'hard'));
  assert.ok(TEMPORARY_5XX_RULES.length > 0);
});
