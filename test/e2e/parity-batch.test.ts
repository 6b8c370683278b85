// /v3/email/batch (SPEC §8) on real mail: each email is checked and sent on its own, answered in order
// (email_id, or the §1.2 error of that email alone), and the accepted ones reach a real SMTP sink.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertFieldError, assertOk, CODES } from '../api/api-assertions.js';
import { answerSchema } from '../api/reference.js';
import { eventFor, receivedBy, startFarTestWorld, type DeliveryWorld } from './delivery-world.js';

let world: DeliveryWorld;

before(async () => {
  world = await startFarTestWorld();
  assertOk(
    await world.node.call('/template/add', {
      id: 'hello',
      template_name: 'Hello',
      subject: 'Hello {{ name }}',
      html_body: '<p>Hello {{ name }}</p>',
      text_body: 'Hello {{ name }}',
    }),
  );
});
after(() => world.stop());

type Answer = Record<string, unknown>;

test('each email is accepted or refused on its own, one answer per email in order', async () => {
  const answer = await world.node.call('/email/batch', {
    emails: [
      { sender: 'shop@sender.test', to: ['one@far.test'], subject: 'First', text_body: 'one' },
      { sender: 'shop@sender.test', to: ['not an address'], subject: 'Bad', text_body: 'bad' },
      {
        sender: 'shop@sender.test',
        to: ['two@far.test'],
        template_id: 'hello',
        template_data: { name: 'Two' },
      },
      { sender: 'shop@sender.test', to: ['three@far.test'], template_id: 'missing' },
      { sender: 'shop@sender.test', to: ['four@far.test'], subject: 7, text_body: 'typed' },
    ],
  });
  const answers = assertOk<Answer[]>(answer);
  assert.equal(answers.length, 5);
  const reference = Object.keys(answerSchema('/email/batch').items?.properties ?? {});
  assert.deepEqual(reference.sort(), ['email_id', 'schedule_id']);
  assert.deepEqual(Object.keys(answers[0] ?? {}), ['email_id']);
  assert.deepEqual(Object.keys(answers[2] ?? {}), ['email_id']);
  const bad = answers[1] as Answer;
  assert.equal(bad.error_code, CODES.validation);
  assert.deepEqual(Object.keys(bad).sort(), ['error', 'error_code', 'field_validation_errors']);
  assert.equal((bad.field_validation_errors as { fieldname: string }).fieldname, 'to.0');
  assert.equal((answers[3]?.field_validation_errors as { fieldname: string }).fieldname, 'template_id');
  assert.equal((answers[4]?.field_validation_errors as { fieldname: string }).fieldname, 'subject');

  const sink = world.peer('127.0.0.3');
  const first = await receivedBy(sink, 'one@far.test');
  assert.match(first.data.toString('utf8'), /Subject: First/);
  const second = await receivedBy(sink, 'two@far.test');
  assert.match(second.data.toString('utf8'), /Subject: Hello Two/);
  await eventFor(world.node, answers[0]?.email_id as string, 'delivered', 'one@far.test');
  assert.equal(sink.messages.filter((m) => m.rcptTo.some((r) => /three|four/.test(r))).length, 0);
});

test('the batch itself must be a list of 1 to 100 emails', async () => {
  const email = { sender: 'shop@sender.test', to: ['x@far.test'], subject: 'x', text_body: 'x' };
  assertFieldError(await world.node.call('/email/batch', {}), 'emails');
  assertFieldError(await world.node.call('/email/batch', { emails: [] }), 'emails');
  assertFieldError(await world.node.call('/email/batch', { emails: email }), 'emails');
  assertFieldError(await world.node.call('/email/batch', { emails: Array(101).fill(email) }), 'emails');
  assertFieldError(await world.node.call('/email/batch', { emails: ['text'] }), 'emails.0');
  assertFieldError(
    await world.node.call('/email/batch', { emails: [email], subaccount_id: 'not-mine' }),
    'subaccount_id',
  );
});
