// The sandbox viewer in a real browser: held messages listed, one opened with its headers, text and raw
// source, and its HTML in a sandboxed frame where a script does not run and nothing is fetched — shown
// with a local HTTP server that counts every request the message tries to make. The sandbox endpoints
// are answered in the browser (SPEC §1.7 shapes) because they are being built separately.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
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

/** Records the path of every request; answers each with a 1×1 GIF (or text), as a tracker would. */
function countingServer(): Promise<{ server: Server; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/gif' });
    res.end(Buffer.from('R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw==', 'base64'));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as AddressInfo).port, paths }),
    );
  });
}

function hostileHtml(port: number): string {
  const remote = `http://127.0.0.1:${port}`;
  return [
    `<meta http-equiv="refresh" content="0;url=${remote}/refresh">`,
    `<link rel="stylesheet" href="${remote}/style.css">`,
    '<h1>Spring sale</h1>',
    '<p id="marker">script blocked</p>',
    "<script>document.getElementById('marker').textContent = 'script ran'; window.parent.postMessage('script ran', '*');</script>",
    '<img src="x" onerror="document.getElementById(\'marker\').textContent = \'handler ran\'">',
    `<img src="${remote}/x.png" alt="tracking pixel">`,
    `<div style="background-image: url(${remote}/background.png)">Inline background</div>`,
    `<iframe src="${remote}/frame.html"></iframe>`,
    `<video poster="${remote}/poster.png"></video>`,
    `<p><a href="${remote}/click">Shop now</a></p>`,
  ].join('\n');
}

describe('console: sandbox viewer', { skip: skipWithoutChromium }, () => {
  let node: TestNode;
  let browser: Browser;
  let page: Page;
  let counter: Awaited<ReturnType<typeof countingServer>>;

  before(async () => {
    node = await startTestNode();
    counter = await countingServer();
    browser = await openBrowser();
    page = browser.page;
    await signIn(page, node);
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
    counter?.server.close();
  });

  it('the counting server is reachable from this browser (the control for the test below)', async () => {
    const control = await browser.context.newPage();
    // No CSP and no sandbox here: the load event waits for the image, so the request has arrived.
    await control.setContent(`<img src="http://127.0.0.1:${counter.port}/control.png">`);
    await control.close();
    assert.deepEqual(counter.paths, ['/control.png']);
    counter.paths.length = 0;
  });

  it('renders a held message whose HTML runs no script and loads nothing remote', async () => {
    const message = {
      email_id: '1tHold-0001',
      headers: [
        { name: 'From', value: 'Acme Shop <shop@acme.example>' },
        { name: 'To', value: 'a@example.net' },
        { name: 'Subject', value: 'Spring sale' },
        { name: 'Date', value: 'Tue, 01 Apr 2025 10:00:00 +0000' },
      ],
      text_body: 'Spring sale: everything must go.',
      html_body: hostileHtml(counter.port),
      raw: 'From: Acme Shop <shop@acme.example>\r\nSubject: Spring sale\r\n\r\n<html>…</html>',
    };
    const searches = await stubApi(page, '/sandbox/search', () => ({
      data: {
        messages: [
          {
            email_id: message.email_id,
            date: '2025-04-01T10:00:00.000Z',
            username: 'acme-test',
            sender: 'shop@acme.example',
            recipients: ['a@example.net'],
            subject: 'Spring sale',
          },
        ],
        continue_token: null,
      },
    }));
    const views = await stubApi(page, '/sandbox/view', () => ({ data: message }));
    await page.evaluate(
      'window.__messages = []; window.addEventListener("message", (e) => window.__messages.push(e.data))',
    );

    await page.getByRole('navigation').getByRole('link', { name: 'Sandbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'acme-test' }).waitFor();
    assert.deepEqual(searches[0], {});
    await screenshots(page, 'sandbox-list');

    await page.getByRole('link', { name: 'Spring sale' }).click();
    await page.getByRole('heading', { level: 1, name: 'Held message 1tHold-0001' }).waitFor();
    assert.deepEqual(views[0], { email_id: '1tHold-0001' });

    const frameElement = page.locator('iframe.message-frame');
    // Once the frame's document has loaded, every fetch it could start has been allowed or refused.
    await page.locator('iframe.message-frame[data-loaded]').waitFor({ state: 'attached' });
    const frame = page.frameLocator('iframe.message-frame');
    await frame.getByRole('heading', { name: 'Spring sale' }).waitFor();
    assert.equal(await frame.locator('#marker').textContent(), 'script blocked');
    assert.deepEqual(counter.paths, [], `the message fetched ${counter.paths.join(', ')}`);
    assert.deepEqual(await page.evaluate('window.__messages'), []);
    assert.deepEqual(await browser.cspViolations(), [], 'the console itself stays within its policy');
    assert.equal(await frameElement.getAttribute('sandbox'), '', 'an empty sandbox: no allow-* token');

    assert.equal(await page.locator('pre.body-text').textContent(), 'Spring sale: everything must go.');
    await page.getByRole('row', { name: 'From Acme Shop <shop@acme.example>' }).waitFor();
    await page.getByText('Raw source').click();
    assert.match((await page.locator('pre.raw-source').textContent()) ?? '', /^From: Acme Shop/);
    await screenshots(page, 'sandbox-message');
    // A click on a link in the message is refused before any request (frame-src 'self'): the frame
    // shows the browser's "blocked" page, whose load is the frame's second.
    await frame.getByRole('link', { name: 'Shop now' }).click();
    await page.locator('iframe.message-frame[data-loaded="2"]').waitFor({ state: 'attached' });
    assert.deepEqual(counter.paths, []);
  });

  it('says clearly that the node does not serve the sandbox yet when it answers 404', async () => {
    await page.unrouteAll();
    await stubApi(page, '/sandbox/search', () => ENDPOINT_NOT_FOUND);
    await page.goto(`${node.httpUrl}/console/#/sandbox`);
    await page
      .getByRole('heading', { name: 'The sandbox viewer is not available on this node yet' })
      .waitFor();
    assert.match((await page.locator('.notice').textContent()) ?? '', /404 for \/v3\/sandbox\/search/);
    await screenshots(page, 'sandbox-unavailable');
  });
  it('lists archived messages and shows one with its events, its HTML sandboxed the same way', async () => {
    await page.unrouteAll();
    await stubApi(page, '/archive/search', () => ({
      data: {
        messages: [
          {
            email_id: 'arch-1',
            date: '2025-04-01T09:00:00.000Z',
            username: 'acme-web',
            sender: 'shop@acme.example',
            recipients: ['a@example.net'],
            subject: 'Receipt',
            size: 2048,
          },
        ],
        continue_token: null,
      },
    }));
    await stubApi(page, '/archive/view', () => ({
      data: {
        email_id: 'arch-1',
        headers: [{ name: 'Subject', value: 'Receipt' }],
        text_body: 'Thanks for your order.',
        html_body: `<p>Thanks</p><img src="http://127.0.0.1:${counter.port}/archived.png">`,
        raw: 'Subject: Receipt\r\n\r\nThanks',
        events: [
          { event: 'processed', date: '2025-04-01T09:00:00.000Z', recipient: 'a@example.net' },
          {
            event: 'delivered',
            date: '2025-04-01T09:00:02.000Z',
            recipient: 'a@example.net',
            host: 'mx.example.net',
          },
        ],
      },
    }));
    await page.getByRole('navigation').getByRole('link', { name: 'Archive' }).click();
    await page.getByRole('link', { name: 'Receipt' }).click();
    await page.getByRole('heading', { level: 1, name: 'Archived message arch-1' }).waitFor();
    await page.locator('iframe.message-frame[data-loaded]').waitFor({ state: 'attached' });
    await page.frameLocator('iframe.message-frame').getByText('Thanks').waitFor();
    assert.deepEqual(counter.paths, []);
    const events = page.locator('section', { has: page.getByRole('heading', { name: 'Events' }) });
    assert.deepEqual(await events.locator('td[data-label="Event"]').allTextContents(), [
      'processed',
      'delivered',
    ]);
    await screenshots(page, 'archive-message');
  });
});

describe("console: sandbox viewer with the node's own sandbox", { skip: skipWithoutChromium }, () => {
  let node: TestNode;
  let browser: Browser;
  let counter: Awaited<ReturnType<typeof countingServer>>;

  before(async () => {
    // Should anything leave the sandbox, it has nowhere to go.
    node = await startTestNode({ PETREL_SMARTHOST: '127.0.0.1:9', PETREL_DNS_SERVERS: '127.0.0.1:9' });
    counter = await countingServer();
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
    counter?.server.close();
  });

  it('shows a message really held for a sandboxed SMTP user, its script and remote loads refused', async (t) => {
    if ((await node.call('/sandbox/search')).status === 404) {
      t.skip('this node does not serve /v3/sandbox/* yet; the stubbed tests above cover the page');
      return;
    }
    const password = 'Tr0ub4dor&3x-console';
    const added = await node.call('/users/smtp/add', {
      username: 'sandboxed-shop',
      email_password: password,
      status: 'sandbox',
    });
    assert.equal(added.status, 200);
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: node.smtp.ports.smtp[0],
      auth: { user: 'sandboxed-shop', pass: password },
      // The node's certificate is self-signed; what is under test is the viewer, not TLS.
      tls: { rejectUnauthorized: false },
    });
    try {
      await transport.sendMail({
        from: 'shop@acme.example',
        to: 'a@example.net',
        subject: 'Spring sale',
        text: 'Spring sale: everything must go.',
        html: hostileHtml(counter.port),
      });
    } finally {
      transport.close();
    }

    const page = browser.page;
    await signIn(page, node);
    await page.getByRole('navigation').getByRole('link', { name: 'Sandbox' }).click();
    await page.getByRole('link', { name: 'Spring sale' }).click();
    await page.getByRole('heading', { level: 1, name: /^Held message / }).waitFor();
    await page.locator('iframe.message-frame[data-loaded]').waitFor({ state: 'attached' });
    const frame = page.frameLocator('iframe.message-frame');
    await frame.getByRole('heading', { name: 'Spring sale' }).waitFor();
    assert.equal(await frame.locator('#marker').textContent(), 'script blocked');
    assert.deepEqual(counter.paths, [], `the message fetched ${counter.paths.join(', ')}`);
    assert.equal(
      (await page.locator('pre.body-text').textContent())?.trim(),
      'Spring sale: everything must go.',
    );
    await page.getByRole('row', { name: 'Subject Spring sale' }).waitFor();
    assert.match((await page.locator('pre.raw-source').textContent()) ?? '', /^Received: /);
    await screenshots(page, 'sandbox-held-message');
  });
});
