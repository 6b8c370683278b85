// The Sender domains page in a real browser against a real node and DNS server: a domain added through
// the form lists its four records (name, type, value, copy buttons, state); after the DKIM record is
// published and "Verify now" pressed, DKIM shows verified and the others say what was found instead. A
// bad domain is shown next to the field; a single sender email is added and listed waiting.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { openBrowser, screenshots, signIn, skipWithoutChromium, type Browser } from './browser.js';

describe('console: sender domains', { skip: skipWithoutChromium }, () => {
  let node: TestNode;
  let dns: TestDnsServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    dns = await startDnsServer({ 'shop.example': { TXT: ['v=spf1 include:_spf.shop.example ~all'] } });
    node = await startTestNode({ PETREL_DNS_SERVERS: dns.server, PETREL_RETURN_PATH_HOST: 'rp.petrel.test' });
    browser = await openBrowser();
    page = browser.page;
    await signIn(page, node);
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
    await dns?.close();
  });

  it('adds a domain, shows the records to publish, and verifies the published one', async () => {
    await page.getByRole('link', { name: 'Sender domains' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sender domains' }).waitFor();

    await page.getByLabel('Domain', { exact: true }).fill('co.uk');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByText('which is itself a public suffix').waitFor();

    await page.getByLabel('Domain', { exact: true }).fill('shop.example');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const section = page.getByRole('region', { name: 'shop.example' });
    await section.waitFor();
    const rows = section.locator('tbody tr');
    assert.equal(await rows.count(), 4);
    const row = await node.ops.repos.senderDomains.findByName('shop.example');
    assert.ok(row);
    const dkimName = `${row.dkim_selector}._domainkey.shop.example`;
    assert.equal(await rows.nth(0).locator('td').nth(1).locator('code').textContent(), dkimName);
    assert.equal(await rows.nth(0).locator('td').nth(2).textContent(), 'TXT');
    const dkimValue = (await rows.nth(0).locator('code.record-value').textContent()) ?? '';
    assert.match(dkimValue, /^v=DKIM1; k=rsa; p=/);
    assert.equal(await rows.nth(1).locator('code.record-value').textContent(), 'rp.petrel.test');
    assert.equal(await rows.nth(0).locator('td').nth(4).textContent(), 'Not verified');
    assert.match((await rows.nth(0).locator('td').nth(5).textContent()) ?? '', /found no TXT record there/);
    // The optional Ed25519 key's record comes last.
    assert.equal(
      await rows.nth(3).locator('td').nth(1).locator('code').textContent(),
      `${row.ed25519_selector}._domainkey.shop.example`,
    );
    assert.match(
      (await rows.nth(3).locator('code.record-value').textContent()) ?? '',
      /^v=DKIM1; k=ed25519; p=/,
    );
    assert.equal(await section.getByRole('button', { name: /^Copy / }).count(), 8);
    await section.getByText(/SPF: SPF record at shop\.example/).waitFor();

    // Publish the DKIM record (copied from the page) and a wrong return-path CNAME, then verify.
    dns.zone[dkimName] = { TXT: [dkimValue] };
    dns.zone[`${row.rpath_selector}.shop.example`] = { CNAME: 'elsewhere.example' };
    await section.getByRole('button', { name: 'Verify now' }).click();
    // A locator, not waitForFunction: the console's CSP forbids the eval a string predicate needs.
    await page
      .locator('section.domain tbody tr')
      .first()
      .locator('td:nth-child(5)', { hasText: /^Verified$/ })
      .waitFor();
    const again = page.getByRole('region', { name: 'shop.example' }).locator('tbody tr');
    assert.equal(await again.nth(0).locator('td').nth(5).textContent(), '');
    assert.equal(await again.nth(1).locator('td').nth(4).textContent(), 'Not verified');
    assert.match(
      (await again.nth(1).locator('td').nth(5).textContent()) ?? '',
      /found 'elsewhere\.example' instead/,
    );

    await page.getByLabel('Email address', { exact: true }).fill('solo@other.example');
    await page.getByRole('button', { name: 'Send verification' }).click();
    await page.getByText('Waiting for the link').waitFor();
    await screenshots(page, 'sender-domains');
  });
});
