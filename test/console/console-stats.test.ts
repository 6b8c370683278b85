// The Statistics page in a real browser against a real node (SPEC §8): mail really sent through the
// node's SMTP port and delivered to (or refused by) a real SMTP sink, plus opens, clicks and an
// unsubscribe written through the events repository (as tracking writes them), charted per UTC day
// with numbers that match; the period selector and the per-user filter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { NewEvent } from '../../src/store/repositories/events.js';
import {
  addSmtpUser,
  eventFor,
  plainMessage,
  FAR_TEST_ZONE,
  startDeliveryWorld,
  submit,
  type DeliveryWorld,
} from '../e2e/delivery-world.js';
import { openBrowser, screenshots, signIn, skipWithoutChromium, type Browser } from './browser.js';

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const TODAY = isoDay(Date.now());
const FOUR_DAYS_AGO = isoDay(Date.now() - 4 * DAY_MS);
const label = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });

/** The cells of the data table row for `day` under the chart titled `title`, by column header. */
async function tableRow(page: Page, title: string, day: string): Promise<Record<string, string>> {
  const block = page.locator('.chart-block').filter({ has: page.locator(`svg[aria-label^="${title}"]`) });
  const headers = await block.locator('thead th').allTextContents();
  const row = block
    .locator('tbody tr')
    .filter({ has: page.getByRole('rowheader', { name: label(day), exact: true }) });
  const cells = await row.locator('th, td').allTextContents();
  assert.equal(cells.length, headers.length, `one row for ${day} under ${title}`);
  return Object.fromEntries(headers.map((h, i) => [h, cells[i] ?? '']));
}

describe('console: statistics', { skip: skipWithoutChromium }, () => {
  let world: DeliveryWorld;
  let browser: Browser;
  let page: Page;

  before(async () => {
    world = await startDeliveryWorld({
      zone: {
        ...FAR_TEST_ZONE,
      },
      peers: [
        {
          host: '127.0.0.3',
          rejectRecipients: { 'gone@far.test': { code: 550, message: '5.1.1 No such user' } },
        },
      ],
    });
    const { node } = world;
    await addSmtpUser(node, 'shop-web');
    await addSmtpUser(node, 'billing');
    const sent: [string, string][] = [
      ['shop-web', 'ann@far.test'],
      ['shop-web', 'bob@far.test'],
      ['shop-web', 'gone@far.test'],
      ['billing', 'cid@far.test'],
    ];
    const ids: string[] = [];
    for (const [user, to] of sent) {
      ids.push(
        await submit(world.smtpPort, {
          user,
          from: 'shop@shop.test',
          to: [to],
          raw: plainMessage('shop@shop.test', to, `Order for ${to}`),
        }),
      );
    }
    await eventFor(node, ids[0] as string, 'delivered', 'ann@far.test');
    await eventFor(node, ids[1] as string, 'delivered', 'bob@far.test');
    await eventFor(node, ids[2] as string, 'hard-bounced', 'gone@far.test');
    await eventFor(node, ids[3] as string, 'delivered', 'cid@far.test');

    // What the tracking routes write when a recipient opens, clicks or unsubscribes.
    const ev = (event: NewEvent['event'], username: string, date?: Date): NewEvent => ({
      accountId: node.masterAccountId,
      event,
      emailId: ids[0] as string,
      username,
      sender: 'shop@shop.test',
      recipient: 'ann@far.test',
      subject: 'Order',
      ...(date ? { date } : {}),
    });
    const earlier = new Date(Date.now() - 4 * DAY_MS);
    await node.ops.repos.events.record([
      ev('opened', 'shop-web'),
      ev('opened', 'shop-web'),
      ev('opened', 'billing'),
      ev('clicked', 'shop-web'),
      ev('unsubscribed', 'shop-web'),
      // An earlier day of the period, so the chart has a shape and the rows sit on their own days.
      ev('processed', 'shop-web', earlier),
      ev('processed', 'shop-web', earlier),
      ev('delivered', 'shop-web', earlier),
      ev('soft-bounced', 'shop-web', earlier),
      ev('clicked', 'shop-web', earlier),
    ]);
    browser = await openBrowser();
    page = browser.page;
    await signIn(page, node);
  });
  after(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('charts sent, delivered, bounces, opens, clicks and unsubscribes per day, matching the mail sent', async () => {
    await page.getByRole('link', { name: 'Statistics' }).click();
    await page.getByRole('heading', { level: 1, name: 'Statistics' }).waitFor();
    const sending = page.locator('svg[aria-label^="Sent, delivered and bounced per day"]');
    await sending.waitFor();
    assert.equal(await page.getByLabel('Period', { exact: true }).inputValue(), '30');
    assert.equal(
      await sending.getAttribute('aria-label'),
      'Sent, delivered and bounced per day. Totals: Sent 6, Delivered 4, Bounces 2.',
    );
    const engagement = page.locator('svg[aria-label^="Opens, clicks and unsubscribes per day"]');
    assert.equal(
      await engagement.getAttribute('aria-label'),
      'Opens, clicks and unsubscribes per day. Totals: Opens 3, Clicks 2, Unsubscribes 1.',
    );
    // One point per day of the period and series, each with its own title.
    assert.equal(await sending.locator('.series-sent circle').count(), 30);
    await page
      .locator('svg title', { hasText: `Sent, ${label(TODAY)}: 4` })
      .first()
      .waitFor({ state: 'attached' });

    await page.getByText('Chart data by day').first().click();
    assert.deepEqual(await tableRow(page, 'Sent, delivered', TODAY), {
      Day: label(TODAY),
      Sent: '4',
      Delivered: '3',
      Bounces: '1',
    });
    assert.deepEqual(await tableRow(page, 'Sent, delivered', FOUR_DAYS_AGO), {
      Day: label(FOUR_DAYS_AGO),
      Sent: '2',
      Delivered: '1',
      Bounces: '1',
    });
    await page.getByText('Chart data by day').nth(1).click();
    assert.deepEqual(await tableRow(page, 'Opens, clicks', TODAY), {
      Day: label(TODAY),
      Opens: '3',
      Clicks: '1',
      Unsubscribes: '1',
    });
    // The same numbers as the API's own statistics for the month (both read the rollups).
    const summary = await world.node.call('/stats/email_summary', {});
    const month = summary.body.data as { email_count: number; opens: number; clicks: number };
    if (FOUR_DAYS_AGO.slice(0, 7) === TODAY.slice(0, 7)) {
      assert.deepEqual([month.email_count, month.opens, month.clicks], [6, 3, 2]);
    }
    assert.deepEqual(await browser.cspViolations(), []);
    await screenshots(page, 'stats');
  });

  it('filters by SMTP user and changes the period', async () => {
    await page.getByLabel('SMTP user', { exact: true }).fill('billing');
    await page.getByRole('button', { name: 'Show' }).click();
    const sending = page.locator('svg[aria-label^="Sent, delivered and bounced per day for billing"]');
    await sending.waitFor();
    assert.equal(
      await sending.getAttribute('aria-label'),
      'Sent, delivered and bounced per day for billing. Totals: Sent 1, Delivered 1, Bounces 0.',
    );
    assert.match(
      (await page.locator('svg[aria-label^="Opens, clicks"]').getAttribute('aria-label')) ?? '',
      /Opens 1, Clicks 0, Unsubscribes 0/,
    );

    await page.getByLabel('SMTP user', { exact: true }).fill('');
    await page.getByLabel('Period', { exact: true }).selectOption('7');
    const week = page.locator('svg[aria-label^="Sent, delivered and bounced per day."]');
    await week.locator('.series-sent circle').nth(6).waitFor({ state: 'attached' });
    assert.equal(await week.locator('.series-sent circle').count(), 7);
    assert.match((await week.getAttribute('aria-label')) ?? '', /Sent 6, Delivered 4, Bounces 2/);
    await screenshots(page, 'stats-week');
    assert.deepEqual(await browser.cspViolations(), []);
  });
});
