// The activity page in a real browser: the filters become /v3/activity/search's fields, the events fill
// the table and the per-hour SVG chart, "load more" sends the continue_token, and a node that does not
// serve the endpoint yet gets a clear notice. The endpoint is answered in the browser (SPEC §1.7 shapes)
// because it is being built separately.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestNode, type TestNode } from '../helpers/node.js';
import {
  ENDPOINT_NOT_FOUND,
  openBrowser,
  screenshots,
  signIn,
  skipWithoutChromium,
  stubApi,
  type Browser,
} from './browser.js';

const HOUR = 3600 * 1000;

/** Events spread over the last three hours, newest first as the API answers them. */
function sampleEvents(now: number) {
  const hourStart = Math.floor(now / HOUR) * HOUR;
  const at = (hoursAgo: number, minute: number) =>
    new Date(hourStart - hoursAgo * HOUR + minute * 60000).toISOString();
  const base = { username: 'acme-web', sender: 'shop@acme.example', subject: 'Your order' };
  const list = [
    { event: 'clicked', date: at(0, 0), recipient: 'a@example.net', url: 'https://acme.example/o/1' },
    { event: 'opened', date: at(1, 30), recipient: 'a@example.net', user_agent: 'Mail/1.0' },
    {
      event: 'hard-bounced',
      date: at(1, 10),
      recipient: 'c@example.org',
      smtp_response: '550 5.1.1 no such user',
    },
    {
      event: 'soft-bounced',
      date: at(1, 5),
      recipient: 'd@example.org',
      smtp_response: '451 4.7.1 try later',
    },
    { event: 'delivered', date: at(2, 20), recipient: 'a@example.net', host: 'mx.example.net' },
    { event: 'delivered', date: at(2, 20), recipient: 'b@example.net', host: 'mx.example.net' },
    { event: 'processed', date: at(2, 10), recipient: 'a@example.net' },
    { event: 'processed', date: at(2, 10), recipient: 'b@example.net' },
    { event: 'processed', date: at(2, 10), recipient: 'c@example.org' },
  ];
  return list.map((e, i) => ({ ...base, email_id: `1a2b3c-${i}`, ...e }));
}

describe('console: activity', { skip: skipWithoutChromium }, () => {
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

  it('charts accepted, delivered, bounced, opened and clicked per hour and lists the events', async () => {
    const events = sampleEvents(Date.now());
    const bodies = await stubApi(page, '/activity/search', (body) =>
      body.continue_token === 'page-2'
        ? { data: { events: [{ ...events[8], email_id: 'older-1' }], continue_token: null } }
        : { data: { events, continue_token: 'page-2' } },
    );
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    await page.getByRole('heading', { name: 'Events (9 loaded)' }).waitFor();

    const first = bodies[0] ?? {};
    assert.equal(typeof first.start_date, 'string');
    assert.equal(typeof first.end_date, 'string');
    const span = Date.parse(first.end_date as string) - Date.parse(first.start_date as string);
    assert.equal(span, 24 * HOUR, 'the default range is the last 24 hours');
    assert.equal(first.limit, 100);

    const legend = await page.locator('.legend li').allTextContents();
    assert.deepEqual(legend, ['Accepted: 3', 'Delivered: 2', 'Bounced: 2', 'Opened: 1', 'Clicked: 1']);
    assert.equal(await page.locator('.chart svg polyline').count(), 5);
    // The hour holding the three "processed" events has them on the Accepted line's highest point.
    const titles = await page.locator('.series-accepted circle title').allTextContents();
    assert.equal(titles.filter((t) => t.endsWith(': 3')).length, 1);
    assert.equal(titles.filter((t) => /: [12]$/.test(t)).length, 0);
    assert.equal(await page.locator('table.data:not(.compact) tbody tr').count(), 9);
    await page.getByRole('cell', { name: '550 5.1.1 no such user' }).waitFor();
    await screenshots(page, 'activity');

    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByRole('heading', { name: 'Events (10 loaded)' }).waitFor();
    assert.equal(bodies[1]?.continue_token, 'page-2');
    assert.equal(bodies[1]?.start_date, first.start_date, 'the next page keeps the filters');
    assert.equal(await page.getByRole('button', { name: 'Load more' }).isVisible(), false);

    await page.getByLabel('SMTP user', { exact: true }).fill('acme-web');
    await page.getByLabel('Recipient', { exact: true }).fill('a@example.net');
    await page.getByLabel('delivered', { exact: true }).check();
    await page.getByLabel('hard-bounced', { exact: true }).check();
    await page.getByLabel('Events per page', { exact: true }).fill('20');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: 'Events (9 loaded)' }).waitFor();
    const filtered = bodies[2] ?? {};
    assert.equal(filtered.username, 'acme-web');
    assert.equal(filtered.search_recipient, 'a@example.net');
    assert.deepEqual(filtered.event_types, ['delivered', 'hard-bounced']);
    assert.equal(filtered.limit, 20);
    assert.equal(filtered.continue_token, undefined);
    assert.deepEqual(await browser.cspViolations(), []);
  });

  it('says clearly that the node does not serve activity search yet when it answers 404', async () => {
    await page.unrouteAll();
    await stubApi(page, '/activity/search', () => ENDPOINT_NOT_FOUND);
    await page.reload();
    await page.getByRole('heading', { name: 'Activity search is not available on this node yet' }).waitFor();
    assert.match((await page.locator('.notice').textContent()) ?? '', /404 for \/v3\/activity\/search/);
    assert.equal(await page.locator('.alert:not([hidden])').count(), 0, 'not shown as an error');
    await screenshots(page, 'activity-unavailable');
  });
});
