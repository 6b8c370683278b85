// The Suppressions page in a real browser against a real node (SPEC §8): the list with an automatic
// entry (an unsubscribe), a domain suppressed through the form, a bad address shown next to its field,
// the search, and removal only after a confirmation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { openBrowser, screenshots, signIn, skipWithoutChromium, type Browser } from './browser.js';

interface View {
  results: { email_address: string; reason: string }[];
}

async function listed(node: TestNode): Promise<string[]> {
  const answer = await node.call('/suppression/view', {});
  assert.equal(answer.status, 200);
  return (answer.body.data as View).results.map((r) => `${r.email_address} ${r.reason}`).sort();
}

describe('console: suppressions', { skip: skipWithoutChromium }, () => {
  let node: TestNode;
  let browser: Browser;
  let page: Page;

  before(async () => {
    node = await startTestNode();
    // An automatic entry, as the unsubscribe link leaves it.
    await node.ops.repos.suppressions.add({
      accountId: node.masterAccountId,
      username: 'shop-web',
      recipient: 'reader@example.org',
      reason: 'unsubscribed',
      emailId: null,
    });
    browser = await openBrowser();
    page = browser.page;
    await signIn(page, node);
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('lists automatic entries with their reason and time, and suppresses a whole domain', async () => {
    await page.getByRole('link', { name: 'Suppressions' }).click();
    await page.getByRole('heading', { level: 1, name: 'Suppressions' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'reader@example.org' });
    await row.getByText('Unsubscribed').waitFor();
    assert.match((await row.textContent()) ?? '', /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    assert.match((await row.textContent()) ?? '', /shop-web/);

    await page.getByLabel('Address or domain', { exact: true }).fill('not an address');
    await page.getByRole('button', { name: 'Suppress', exact: true }).click();
    const control = page.getByLabel('Address or domain', { exact: true });
    await page.getByText(/must be an email address or a domain/).waitFor();
    assert.equal(await control.getAttribute('aria-invalid'), 'true');

    await control.fill('blocked.example');
    await page.getByLabel('Description', { exact: true }).fill('whole domain');
    await page.getByRole('button', { name: 'Suppress', exact: true }).click();
    await page.getByText('Suppressed blocked.example.').waitFor();
    await page.getByRole('row').filter({ hasText: 'blocked.example' }).getByText('Added by hand').waitFor();
    assert.deepEqual(await listed(node), ['blocked.example manual', 'reader@example.org unsubscribe']);
    await screenshots(page, 'suppressions');
  });

  it('searches the list by address', async () => {
    await page.getByLabel('Search addresses', { exact: true }).fill('blocked');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('p.count', { hasText: '1 suppression matching “blocked”' }).waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'reader@example.org' }).count(), 0);
    await page.getByLabel('Search addresses', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('p.count', { hasText: '2 suppressions' }).waitFor();
  });

  it('removes an entry only after a confirmation', async () => {
    const remove = page.getByRole('button', { name: 'Remove reader@example.org' });
    await remove.click();
    const dialog = page.getByRole('dialog', { name: 'Remove the suppression of reader@example.org?' });
    await dialog.waitFor();
    await dialog.getByText(/resubscribed event/).waitFor();
    await screenshots(page, 'suppressions-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await listed(node)).length, 2);

    await remove.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove suppression' }).click();
    await page.getByText('Removed the suppression of reader@example.org.').waitFor();
    assert.deepEqual(await listed(node), ['blocked.example manual']);
    const events = await node.call('/activity/search', { event_types: ['resubscribed'] });
    assert.equal((events.body.data as { total_events: number }).total_events, 1);
    assert.deepEqual(await browser.cspViolations(), []);
  });
});
