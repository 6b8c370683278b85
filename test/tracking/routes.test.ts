// The tracking routes (SPEC §3.5) against a real node: the pixel's exact bytes, the click redirect, the
// unsubscribe page and its POST (form and RFC 8058 one-click), the events and suppressions they record,
// and a 404 that gives nothing away for every forged, altered or misused token.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newSortableId } from '../../src/security/sortable-id.js';
import { signToken } from '../../src/tracking/tokens.js';
import { createTrackingLinks, type TrackedCopy } from '../../src/tracking/tracking-urls.js';
import { startTestNode, type TestNode } from '../helpers/node.js';

// The 43-byte transparent GIF89a, written out here so the test does not trust the code's own constant.
const PIXEL_HEX = '47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b';
const USER_AGENT = 'Mozilla/5.0 (Petrel tracking test)';

let node: TestNode;

before(async () => {
  node = await startTestNode();
});
after(async () => {
  await node.stop();
});

/** A copy of a message whose acceptance was recorded (`processed`), as the delivery worker does. */
async function sentCopy(
  recipient = `reader-${randomBytes(3).toString('hex')}@example.org`,
): Promise<TrackedCopy> {
  const copy = {
    messageId: newSortableId(),
    recipient,
    username: 'tracked-user',
    accountId: node.masterAccountId,
  };
  await node.ops.repos.events.record([
    {
      accountId: copy.accountId,
      event: 'processed',
      emailId: copy.messageId,
      username: copy.username,
      sender: 'news@shop.example',
      recipient,
      subject: 'Spring sale',
    },
  ]);
  return copy;
}

function links(copy: TrackedCopy) {
  return createTrackingLinks(node.trackingSecret, node.httpUrl, copy);
}

function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers: { 'user-agent': USER_AGENT, ...headers } });
}

function post(url: string, body: string | undefined, contentType?: string): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  if (contentType !== undefined) headers['content-type'] = contentType;
  return fetch(url, { method: 'POST', redirect: 'manual', headers, ...(body === undefined ? {} : { body }) });
}

async function eventsOf(copy: TrackedCopy, event: string) {
  const rows = await node.ops.repos.events.forEmail(copy.accountId, copy.messageId);
  return rows.filter((r) => r.event === event);
}

async function suppressed(copy: TrackedCopy, username = copy.username): Promise<string | undefined> {
  const found = await node.ops.repos.suppressions.check(copy.accountId, username, [copy.recipient]);
  return found.get(copy.recipient.toLowerCase());
}

/** The URL with its token replaced. */
function withToken(url: string, token: string): string {
  return url.replace(/[^/]+$/, token);
}

function tokenOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/** The token with one character of its payload changed. */
function flipped(token: string, at: number): string {
  const c = token[at] === 'A' ? 'B' : 'A';
  return token.slice(0, at) + c + token.slice(at + 1);
}

async function assertPlain404(response: Response): Promise<void> {
  assert.equal(response.status, 404);
  assert.equal(response.headers.get('location'), null);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  assert.equal((await response.text()).trim(), 'Not found');
}

describe('GET /t/o/<token>: the open pixel', () => {
  it('answers the 43-byte transparent GIF, uncached, and records `opened`', async () => {
    const copy = await sentCopy();
    const response = await get(links(copy).openPixelUrl);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/gif');
    assert.match(response.headers.get('cache-control') ?? '', /no-cache/);
    assert.match(response.headers.get('cache-control') ?? '', /no-store/);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.equal(bytes.length, 43);
    assert.equal(bytes.toString('hex'), PIXEL_HEX);

    const [opened, ...more] = await eventsOf(copy, 'opened');
    assert.equal(more.length, 0);
    assert.ok(opened);
    assert.equal(opened.recipient, copy.recipient);
    assert.equal(opened.username, 'tracked-user');
    assert.equal(opened.sender, 'news@shop.example');
    assert.equal(opened.subject, 'Spring sale');
    assert.equal(opened.user_agent, USER_AGENT);
    assert.equal(opened.ip, '127.0.0.1');
    assert.equal(opened.url, null);
    assert.ok(Math.abs(Date.parse(opened.date) - Date.now()) < 10 * 60_000, opened.date);
  });

  it('records each open, with empty sender and subject when nothing earlier names them', async () => {
    const copy = {
      messageId: newSortableId(),
      recipient: 'x@example.org',
      username: 'u-1',
      accountId: node.masterAccountId,
    };
    await get(links(copy).openPixelUrl);
    await get(links(copy).openPixelUrl);
    const opened = await eventsOf(copy, 'opened');
    assert.equal(opened.length, 2);
    assert.equal(opened[0]?.sender, '');
    assert.equal(opened[0]?.subject, '');
  });

  it('a HEAD request shows the pixel without counting an open', async () => {
    const copy = await sentCopy();
    const response = await fetch(links(copy).openPixelUrl, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal((await eventsOf(copy, 'opened')).length, 0);
  });
});

describe('GET /t/c/<token>: the click redirect', () => {
  it('answers 302 to the URL inside the token and records `clicked` with it', async () => {
    const copy = await sentCopy();
    const target = 'https://shop.example/sale?item=42&ref=mail#top';
    const response = await get(links(copy).trackClick(target));
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), target);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    const [clicked] = await eventsOf(copy, 'clicked');
    assert.ok(clicked);
    assert.equal(clicked.url, target);
    assert.equal(clicked.user_agent, USER_AGENT);
    assert.equal(clicked.ip, '127.0.0.1');
    assert.equal(clicked.subject, 'Spring sale');
  });

  it('is no open redirect: a URL in the query or a swapped URL in the token answers 404', async () => {
    const copy = await sentCopy();
    const url = links(copy).trackClick('https://shop.example/');
    // A query is ignored: the signed target is where the redirect goes, and no token means no redirect.
    const viaQuery = await get(`${url}?url=https://evil.example/`);
    assert.equal(viaQuery.status, 302);
    assert.equal(viaQuery.headers.get('location'), 'https://shop.example/');
    await assertPlain404(await get(`${node.httpUrl}/t/c/?url=https://evil.example/`));
    const [body, mac] = tokenOf(url).split('.') as [string, string];
    const fields = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown[];
    fields[6] = 'https://evil.example/';
    const swapped = `${Buffer.from(JSON.stringify(fields)).toString('base64url')}.${mac}`;
    await assertPlain404(await get(withToken(url, swapped)));
    assert.deepEqual(
      (await eventsOf(copy, 'clicked')).map((e) => e.url),
      ['https://shop.example/'],
    );
  });
});

describe('a bad token answers a plain 404 and records nothing', () => {
  it('refuses flipped bytes, truncation, other secrets and tokens of another kind', async () => {
    const copy = await sentCopy();
    const l = links(copy);
    const open = tokenOf(l.openPixelUrl);
    const click = tokenOf(l.trackClick('https://shop.example/'));
    const unsubscribe = tokenOf(l.unsubscribeUrl);
    const foreign = signToken(randomBytes(32), { kind: 'open', ...copy });
    const cases: [string, string][] = [
      ['/t/o/', flipped(open, 5)],
      ['/t/o/', flipped(open, open.length - 3)],
      ['/t/o/', open.slice(0, -1)],
      ['/t/o/', `${open}x`],
      ['/t/o/', foreign],
      ['/t/o/', ''],
      ['/t/o/', 'not-a-token'],
      ['/t/o/', click],
      ['/t/o/', unsubscribe],
      ['/t/c/', open],
      ['/t/c/', unsubscribe],
      ['/t/c/', flipped(click, 8)],
      ['/t/u/', open],
      ['/t/u/', click],
      ['/t/u/', flipped(unsubscribe, 4)],
    ];
    for (const [path, token] of cases) {
      await assertPlain404(await get(`${node.httpUrl}${path}${token}`));
    }
    await assertPlain404(await post(`${node.httpUrl}/t/u/${open}`, 'List-Unsubscribe=One-Click'));
    await assertPlain404(await post(`${node.httpUrl}/t/u/${flipped(unsubscribe, 4)}`, ''));
    const recorded = await node.ops.repos.events.forEmail(copy.accountId, copy.messageId);
    assert.deepEqual(
      recorded.map((e) => e.event),
      ['processed'],
    );
    assert.equal(await suppressed(copy), undefined);
  });
});

describe('/t/u/<token>: unsubscribe', () => {
  it('GET shows a confirmation page with a POST form, no script and nothing external; it unsubscribes no one', async () => {
    const copy = await sentCopy('o<brien>&co@example.org');
    const response = await get(links(copy).unsubscribeUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await response.text();
    assert.match(html, /<form method="post">/);
    assert.ok(html.includes('o&lt;brien&gt;&amp;co@example.org'), html);
    assert.ok(!html.includes('<brien>'), 'the address is not escaped');
    assert.doesNotMatch(html, /<script|\bsrc=|<link|https?:\/\//i);
    assert.equal(await suppressed(copy), undefined);
    assert.equal((await eventsOf(copy, 'unsubscribed')).length, 0);
  });

  it('POST of the form adds the suppression for that sender and records `unsubscribed`, once', async () => {
    const copy = await sentCopy('Reader.Mixed@Example.org');
    const url = links(copy).unsubscribeUrl;
    const response = await post(url, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await response.text(), /unsubscribed/i);
    assert.equal(await suppressed(copy), 'unsubscribed');
    // Another sender of the same account may still write to the recipient.
    assert.equal(await suppressed(copy, 'another-user'), undefined);
    const [event, ...more] = await eventsOf(copy, 'unsubscribed');
    assert.equal(more.length, 0);
    assert.ok(event);
    assert.equal(event.recipient, 'Reader.Mixed@Example.org');
    assert.equal(event.username, 'tracked-user');
    assert.equal(event.user_agent, USER_AGENT);
    assert.equal(event.ip, '127.0.0.1');
    assert.equal(event.subject, 'Spring sale');

    assert.equal(
      (await post(url, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded')).status,
      200,
    );
    assert.equal((await eventsOf(copy, 'unsubscribed')).length, 1);
  });

  it('the RFC 8058 one-click POST works whatever the body and content type (JSON parsing does not apply)', async () => {
    const bodies: [string | undefined, string | undefined][] = [
      [
        '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n',
        'multipart/form-data; boundary=b',
      ],
      ['List-Unsubscribe=One-Click', 'application/json'],
      ['List-Unsubscribe=One-Click', undefined],
      [undefined, undefined],
      ['\xff\xfe not even text', 'text/plain'],
    ];
    for (const [body, contentType] of bodies) {
      const copy = await sentCopy();
      const response = await post(links(copy).unsubscribeUrl, body, contentType);
      assert.equal(response.status, 200, `${contentType}: ${await response.text()}`);
      assert.equal(await suppressed(copy), 'unsubscribed', String(contentType));
      assert.equal((await eventsOf(copy, 'unsubscribed')).length, 1);
    }
  });

  it('the unsubscribe shows in activity/search with the client details', async () => {
    const copy = await sentCopy();
    await post(links(copy).unsubscribeUrl, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded');
    const answer = await node.call('/activity/search', {
      email_id: copy.messageId,
      event_types: ['unsubscribed'],
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const [event] = answer.body.data.events as Record<string, unknown>[];
    assert.equal(event?.event, 'unsubscribed');
    assert.equal(event?.recipient, copy.recipient);
    assert.equal(event?.user_agent, USER_AGENT);
    assert.equal(event?.ip, '127.0.0.1');
  });
});
