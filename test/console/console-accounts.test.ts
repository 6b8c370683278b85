// The subaccounts, API keys and IP pools pages in a real browser against a real node: add, edit, close
// and reopen a subaccount and act inside it; add a key (shown once, limited to what was ticked) and
// remove it; list the pools granted to the account.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { openBrowser, screenshots, signIn, skipWithoutChromium, type Browser } from './browser.js';

const POOLS = JSON.stringify([
  { id: 1, name: 'Main Pool', ip_addresses: ['127.0.0.2', '127.0.0.3'], ehlo: 'mta1.example', accounts: '*' },
]);

interface Subaccount {
  id: string;
  name: string;
  email: string | null;
  limit: number;
  state: string;
}

async function findSubaccount(node: TestNode, name: string): Promise<Subaccount> {
  const answer = await node.call('/subaccounts/search', { search_terms: name });
  assert.equal(answer.status, 200);
  const list = answer.body.data.subaccounts as Subaccount[];
  const found = list.find((s) => s.name === name);
  assert.ok(found, `no subaccount named ${name}`);
  return found;
}

describe('console: subaccounts, API keys and IP pools', { skip: skipWithoutChromium }, () => {
  let node: TestNode;
  let browser: Browser;
  let page: Page;

  before(async () => {
    node = await startTestNode({ PETREL_IP_POOLS: POOLS });
    browser = await openBrowser();
    page = browser.page;
    await signIn(page, node);
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('adds a subaccount, showing a bad email next to its field', async () => {
    await page.getByRole('link', { name: 'Subaccounts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Subaccounts' }).waitFor();
    await page.getByText('No subaccounts match.').waitFor();
    await page.getByRole('link', { name: 'Add subaccount' }).click();
    await page.getByRole('heading', { level: 1, name: 'Add subaccount' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Acme Widgets');
    await page.getByLabel('Contact email', { exact: true }).fill('not an address');
    await page.getByLabel('Monthly email limit', { exact: true }).fill('5000');
    await page.getByRole('button', { name: 'Add subaccount' }).click();
    const email = page.getByLabel('Contact email', { exact: true });
    await page.locator('[aria-invalid="true"]').waitFor();
    assert.equal(await email.getAttribute('aria-invalid'), 'true');
    assert.match((await page.locator('.field-error:not([hidden])').textContent()) ?? '', /subaccount_email/);
    await screenshots(page, 'subaccount-add');

    await email.fill('ops@acme.example');
    await page.getByRole('button', { name: 'Add subaccount' }).click();
    await page.getByRole('heading', { level: 1, name: 'Subaccounts' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Acme Widgets' }).waitFor();
    const sub = await findSubaccount(node, 'Acme Widgets');
    assert.equal(sub.email, 'ops@acme.example');
    assert.equal(sub.limit, 5000);
  });

  it('edits, closes (after a confirmation) and reopens the subaccount', async () => {
    const row = page.getByRole('row').filter({ hasText: 'Acme Widgets' });
    await row.getByRole('link', { name: 'Edit Acme Widgets' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit subaccount' }).waitFor();
    assert.equal(await page.getByLabel('Monthly email limit', { exact: true }).inputValue(), '5000');
    await page.getByLabel('Monthly email limit', { exact: true }).fill('20000');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await row.waitFor();
    assert.equal((await findSubaccount(node, 'Acme Widgets')).limit, 20000);

    await row.getByRole('button', { name: 'Close Acme Widgets' }).click();
    await page
      .getByRole('dialog', { name: 'Close subaccount Acme Widgets?' })
      .getByRole('button', { name: 'Close subaccount' })
      .click();
    await row.getByRole('button', { name: 'Reopen Acme Widgets' }).waitFor();
    assert.equal(await row.locator('.badge').textContent(), 'closed');
    assert.equal((await findSubaccount(node, 'Acme Widgets')).state, 'closed');
    await screenshots(page, 'subaccounts-list');

    await row.getByRole('button', { name: 'Reopen Acme Widgets' }).click();
    await row.getByRole('button', { name: 'Close Acme Widgets' }).waitFor();
    assert.equal((await findSubaccount(node, 'Acme Widgets')).state, 'active');
  });

  it('acts inside the subaccount: a user added there belongs to it', async () => {
    const sub = await findSubaccount(node, 'Acme Widgets');
    const row = page.getByRole('row').filter({ hasText: 'Acme Widgets' });
    await row.getByRole('button', { name: 'Manage users Acme Widgets' }).click();
    await page.getByRole('heading', { level: 1, name: 'SMTP users' }).waitFor();
    assert.equal(await page.getByLabel('Acting in', { exact: true }).inputValue(), sub.id);
    await page.getByRole('link', { name: 'Add SMTP user' }).click();
    await page.getByRole('heading', { level: 1, name: 'Add SMTP user' }).waitFor();
    await page.getByLabel('Username', { exact: true }).fill('acme-widgets-app');
    await page.getByRole('button', { name: 'Add SMTP user' }).click();
    await page.getByRole('heading', { name: 'SMTP user acme-widgets-app added' }).waitFor();

    const inSub = await node.call('/users/smtp/view', {
      username: 'acme-widgets-app',
      subaccount_id: sub.id,
    });
    assert.equal(inSub.body.data.results.length, 1);
    const inMaster = await node.call('/users/smtp/view', { username: 'acme-widgets-app' });
    assert.deepEqual(inMaster.body.data.results, []);

    await page.getByRole('link', { name: 'Done: back to SMTP users' }).click();
    await page.getByRole('row').filter({ hasText: 'acme-widgets-app' }).waitFor();
    await page.getByLabel('Acting in', { exact: true }).selectOption({ label: 'Own account' });
    await page.getByText('No SMTP users yet.').waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'acme-widgets-app' }).count(), 0);
  });

  it('adds an API key limited to the ticked endpoints and shows the full key once', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    // The list loads after the heading: wait for it before counting its rows.
    await page.getByText('probably this session’s').waitFor();
    assert.equal(await page.locator('tbody tr').count(), 1, 'the master key');
    await page.getByRole('link', { name: 'Add API key' }).click();
    await page.getByRole('heading', { level: 1, name: 'Add API key' }).waitFor();
    await page.getByLabel('Description', { exact: true }).fill('CI deploys');
    await page.getByLabel('/users/smtp/view', { exact: true }).check();
    await page.getByLabel('/users/smtp/add', { exact: true }).check();
    await screenshots(page, 'api-key-add');
    await page.getByRole('button', { name: 'Add API key' }).click();
    const keyField = page.getByLabel('API key', { exact: true });
    await keyField.waitFor();
    const key = await keyField.inputValue();
    assert.match(key, /^api-[A-F0-9]{32}$/);
    await screenshots(page, 'api-key-added');

    assert.equal((await node.call('/users/smtp/view', {}, { key })).status, 200);
    assert.equal((await node.call('/subaccounts/search', {}, { key })).status, 403);

    await page.getByRole('link', { name: 'Done: back to API keys' }).click();
    const row = page.getByRole('row').filter({ hasText: 'CI deploys' });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /\/users\/smtp\/view/);
    assert.doesNotMatch((await row.textContent()) ?? '', new RegExp(key.slice(8)), 'the list masks the key');
    await screenshots(page, 'api-keys-list');

    await row.getByRole('button', { name: /^Remove key / }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove key' }).click();
    await page.getByText(/^Removed API key /).waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'CI deploys' }).count(), 0);
    assert.equal((await node.call('/users/smtp/view', {}, { key })).status, 401);
  });

  it('lists the IP pools granted to the account', async () => {
    await page.getByRole('link', { name: 'IP pools' }).click();
    await page.getByRole('heading', { level: 1, name: 'IP pools' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Main Pool' });
    await row.waitFor();
    assert.equal(await row.locator('td[data-label="Addresses"]').textContent(), '127.0.0.2, 127.0.0.3');
    await screenshots(page, 'ip-pools');
    assert.deepEqual(await browser.cspViolations(), []);
  });
});
