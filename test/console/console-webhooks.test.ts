// The webhooks page in a real browser against a real node and a real loopback receiver: add a webhook
// (secret shown once), send a test event and see the call's status and answer, edit, rotate, remove.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { startReceiver, type Receiver } from '../webhooks/receiver.js';
import { openBrowser, screenshots, signIn, skipWithoutChromium, type Browser } from './browser.js';

describe('console: webhooks', { skip: skipWithoutChromium }, () => {
  let node: TestNode;
  let browser: Browser;
  let page: Page;
  let receiver: Receiver;
  let secret = '';

  before(async () => {
    node = await startTestNode({ PETREL_WEBHOOK_ALLOW_PRIVATE: 'true' });
    receiver = await startReceiver();
    browser = await openBrowser();
    page = browser.page;
    await signIn(page, node);
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
    await receiver?.close();
  });

  it('adds a webhook and shows its signing secret once', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByText('No webhooks.').waitFor();
    await page.getByRole('link', { name: 'Add webhook' }).click();
    await page.getByRole('heading', { level: 1, name: 'Add webhook' }).waitFor();
    await page.getByLabel('URL', { exact: true }).fill('ftp://nope.example/');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.locator('[aria-invalid="true"]').waitFor();
    assert.match((await page.locator('.field-error:not([hidden])').textContent()) ?? '', /http or https/);
    await page.getByLabel('URL', { exact: true }).fill(receiver.url);
    await page.getByLabel('delivered', { exact: true }).check();
    await page.getByLabel('bounce', { exact: true }).check();
    await page.getByLabel('Body format', { exact: true }).selectOption('json');
    await screenshots(page, 'webhook-add');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('heading', { level: 2, name: /Webhook \d+ added/ }).waitFor();
    secret = await page.getByLabel('Signing secret', { exact: true }).inputValue();
    assert.match(secret, /^whsec_/);
    await screenshots(page, 'webhook-secret');
    const hooks = (await node.call('/webhook/view', {})).body.data as { url: string; events: string[] }[];
    assert.equal(hooks.length, 1);
    assert.equal(hooks[0]!.url, receiver.url);
    assert.deepEqual(hooks[0]!.events, ['delivered', 'bounce']);
  });

  it('sends a test event and shows the call with its status and answer', async () => {
    await page.getByRole('link', { name: 'Done' }).click();
    await page.getByRole('heading', { level: 1, name: /^Webhook \d+$/ }).waitFor();
    await page.getByRole('button', { name: 'Send test event' }).click();
    const row = page.getByRole('row').filter({ hasText: 'delivered' }).filter({ hasText: '200' });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /answer 200/);
    const [call] = await receiver.waitFor(1);
    const headers = {
      'webhook-id': String(call!.headers['webhook-id']),
      'webhook-timestamp': String(call!.headers['webhook-timestamp']),
      'webhook-signature': String(call!.headers['webhook-signature']),
    };
    assert.equal((new Webhook(secret).verify(call!.body, headers) as { email_id: string }).email_id, 'test');
    await screenshots(page, 'webhook-calls');
  });

  it('edits the webhook, then removes it after a confirmation', async () => {
    await page.getByLabel('Usernames', { exact: true }).fill('alice-sender, bob-sender');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Saved webhook \d+/ })
      .first()
      .waitFor();
    const hooks = (await node.call('/webhook/view', {})).body.data as { id: number; usernames: string[] }[];
    assert.deepEqual(hooks[0]!.usernames, ['alice-sender', 'bob-sender']);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    const row = page.getByRole('row').filter({ hasText: receiver.url });
    await row.getByRole('button', { name: /^Remove webhook/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove webhook' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Removed webhook \d+/ })
      .first()
      .waitFor();
    assert.deepEqual((await node.call('/webhook/view', {})).body.data, []);
  });
});
