// The Restrictions page in a real browser against a real node (SPEC §8): allowed senders and recipients
// saved from the page land in the database (checked through the API), a malformed CIDR is shown next to
// its field, IP allow list entries are added, enabled and removed, and an IP-authenticated sender added.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { assertOk } from '../api/api-assertions.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { openBrowser, screenshots, signIn, skipWithoutChromium, type Browser } from './browser.js';

describe('console: restrictions', { skip: skipWithoutChromium }, () => {
  let node: TestNode;
  let browser: Browser;
  let page: Page;

  before(async () => {
    node = await startTestNode();
    browser = await openBrowser();
    page = browser.page;
    await signIn(page, node);
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('saves allowed senders and recipients', async () => {
    await page.getByRole('link', { name: 'Restrictions' }).click();
    await page.getByRole('heading', { level: 1, name: 'Restrictions' }).waitFor();
    const senders = page.getByRole('form', { name: 'Allowed senders' });
    await senders.getByLabel('Mode').selectOption('whitelist');
    await senders.getByLabel('Addresses and domains, one per line').fill('Ops@Shop.Example\nbrand.example');
    await senders.getByRole('button', { name: 'Save allowed senders' }).click();
    await senders.getByText('Saved: 2 entries, mode whitelist.').waitFor();
    assert.deepEqual(assertOk(await node.call('/allowed_senders/view')), {
      allowed_senders: ['ops@shop.example', 'brand.example'],
      mode: 'whitelist',
    });
    const recipients = page.getByRole('form', { name: 'Allowed recipients' });
    await recipients.getByLabel('Addresses and domains, one per line').fill('team.example\nnot an address');
    await recipients.getByRole('button', { name: 'Save allowed recipients' }).click();
    await recipients.locator('[aria-invalid="true"]').waitFor();
    assert.match((await recipients.locator('.field-error:not([hidden])').textContent()) ?? '', /entry 2/);
    await recipients.getByLabel('Addresses and domains, one per line').fill('team.example');
    await recipients.getByLabel('Only these recipients may be used').check();
    await recipients.getByRole('button', { name: 'Save allowed recipients' }).click();
    await recipients.getByText('Saved: 1 entries, enabled.').waitFor();
    assert.deepEqual(assertOk(await node.call('/allowed_recipients/view')), {
      allowed_recipients: ['team.example'],
      enabled: true,
    });
  });

  it('adds, enables and removes IP allow list entries; shows a malformed CIDR at its field', async () => {
    const smtp = page.getByRole('region', { name: 'SMTP IP allow list' });
    await smtp.getByLabel('Address or CIDR block').fill('10.0.0.0/33');
    await smtp.getByRole('button', { name: 'Add to the SMTP IP allow list' }).click();
    await smtp.locator('[aria-invalid="true"]').waitFor();
    assert.match((await smtp.locator('.field-error:not([hidden])').textContent()) ?? '', /prefix length/);
    await screenshots(page, 'restrictions-bad-cidr');
    await smtp.getByLabel('Address or CIDR block').fill('2001:DB8::/48');
    await smtp.getByLabel('Description').fill('office v6');
    await smtp.getByRole('button', { name: 'Add to the SMTP IP allow list' }).click();
    await page
      .getByRole('region', { name: 'SMTP IP allow list' })
      .getByRole('cell', { name: '2001:db8::/48', exact: true })
      .waitFor();
    await page
      .getByRole('region', { name: 'SMTP IP allow list' })
      .getByLabel(/Enabled: this account’s SMTP users/)
      .check();
    await page.getByText('SMTP IP allow list enabled.').waitFor();
    assert.deepEqual(assertOk(await node.call('/ip_allow_list/view', { type: 'smtp' })), {
      enabled: true,
      ip_addresses: [{ ip_address: '2001:db8::/48', description: 'office v6' }],
    });
    // The API list refuses to lock this browser (127.0.0.1) out.
    const apiList = page.getByRole('region', { name: 'API IP allow list' });
    await apiList.getByLabel(/Enabled: this account’s API keys/).click();
    await apiList
      .getByText(/would stop the API keys of this account working from your own address/)
      .waitFor();
    assert.equal(await apiList.getByLabel(/Enabled: this account’s API keys/).isChecked(), false);
    await page
      .getByRole('region', { name: 'SMTP IP allow list' })
      .getByRole('button', { name: 'Remove 2001:db8::/48' })
      .click();
    await page
      .getByRole('region', { name: 'SMTP IP allow list' })
      .getByText('No networks on this list.')
      .waitFor();
  });

  it('adds an IP-authenticated sender', async () => {
    const card = page.getByRole('region', { name: 'IP-authenticated senders' });
    await card.getByLabel('Sender address or CIDR block').fill('192.0.2.0/28');
    await card.getByLabel('Sender description').fill('printers');
    await card.getByLabel('Status').selectOption('sandbox');
    await card.getByRole('button', { name: 'Save IP-authenticated sender' }).click();
    await page
      .getByRole('region', { name: 'IP-authenticated senders' })
      .getByRole('cell', { name: '192.0.2.0/28', exact: true })
      .waitFor();
    const entries = assertOk<{ results: { ip_address: string; status: string; description: string }[] }>(
      await node.call('/ip_auth/view'),
    ).results;
    assert.deepEqual(
      entries.map((e) => [e.ip_address, e.status, e.description]),
      [['192.0.2.0/28', 'sandbox', 'printers']],
    );
    await screenshots(page, 'restrictions');
    assert.deepEqual(await browser.cspViolations(), []);
  });
});
