// email/send with template_id and template_data (SPEC §8) on real mail: the template is rendered with
// Handlebars (values HTML-escaped in the HTML body only), sent through the spool and delivered to a real
// SMTP sink found through a real DNS server; a missing template is a 400 naming template_id.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import PostalMime from 'postal-mime';
import { assertFieldError, assertOk } from '../api/api-assertions.js';
import { receivedBy, startFarTestWorld, type DeliveryWorld } from './delivery-world.js';

let world: DeliveryWorld;

before(async () => {
  world = await startFarTestWorld();
  assertOk(
    await world.node.call('/template/add', {
      id: 'receipt',
      template_name: 'Receipt',
      subject: 'Receipt for {{ product }}',
      html_body: '<p>Hello {{ name }}, you bought <b>{{ product }}</b>. {{{ raw_html }}}</p>',
      text_body: 'Hello {{ name }}, you bought {{ product }}.',
      template_variables: { name: 'customer', raw_html: '' },
    }),
  );
});
after(() => world.stop());

async function sendAndReceive(to: string, extra: Record<string, unknown>) {
  const answer = await world.node.call('/email/send', {
    sender: 'Shop <shop@sender.test>',
    to: [to],
    template_id: 'receipt',
    ...extra,
  });
  const sent = assertOk<{ succeeded: number; email_id: string }>(answer);
  assert.equal(sent.succeeded, 1);
  const received = await receivedBy(world.peer('127.0.0.3'), to);
  return PostalMime.parse(received.data);
}

test('template_data as an object: values escaped in the HTML body, as written in subject and text', async () => {
  const email = await sendAndReceive('alice@far.test', {
    subject: 'ignored when a template is named',
    template_data: { name: 'Alice & <Bob>', product: 'Tea "Earl Grey"', raw_html: '<i>thanks</i>' },
  });
  assert.equal(email.subject, 'Receipt for Tea "Earl Grey"');
  assert.equal(email.text?.trim(), 'Hello Alice & <Bob>, you bought Tea "Earl Grey".');
  assert.equal(
    email.html?.trim(),
    '<p>Hello Alice &amp; &lt;Bob&gt;, you bought <b>Tea &quot;Earl Grey&quot;</b>. <i>thanks</i></p>',
  );
});

test("template_data as a JSON string, over the template's default values", async () => {
  const email = await sendAndReceive('carol@far.test', {
    template_data: JSON.stringify({ product: 'Coffee' }),
  });
  assert.equal(email.subject, 'Receipt for Coffee');
  assert.equal(email.text?.trim(), 'Hello customer, you bought Coffee.');
});

test('a missing template, bad template_data and no subject without a template are refused naming the field', async () => {
  const send = (body: Record<string, unknown>) =>
    world.node.call('/email/send', { sender: 'shop@sender.test', to: ['x@far.test'], ...body });
  assertFieldError(await send({ template_id: 'nope' }), 'template_id', 'nope');
  assertFieldError(await send({ template_id: 'receipt', template_data: '{not json' }), 'template_data');
  assertFieldError(await send({ template_id: 'receipt', template_data: [1, 2] }), 'template_data');
  assertFieldError(await send({ template_id: 'receipt', template_data: 7 }), 'template_data');
  assertFieldError(await send({ text_body: 'hi' }), 'subject');
});
