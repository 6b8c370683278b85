import { describe, it } from 'node:test';
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import { MAX_TOKEN_CHARS, signToken, verifyToken, type TrackingPayload } from '../../src/tracking/tokens.js';
import { createTrackingLinks, trackingUrl, TRACKING_PATHS } from '../../src/tracking/tracking-urls.js';

const SECRET = 'node-secret-0123456789abcdef';
const OTHER = 'another-secret-0123456789abcdef';
const copy = {
  messageId: 'msg-1',
  recipient: 'reader@example.org',
  username: 'acme-web',
  accountId: 'acc-1',
};
// Written as `new URL(...).href` writes it ('ä' escaped): links are signed normalised (SPEC §10).
const click: TrackingPayload = { kind: 'click', ...copy, url: 'https://shop.example/sale?a=1&b=%C3%A4' };

describe('signToken / verifyToken', () => {
  it('round-trips each kind, and only as that kind when one is expected', () => {
    for (const payload of [
      { kind: 'open', ...copy },
      { kind: 'unsubscribe', ...copy },
      click,
    ] as TrackingPayload[]) {
      const token = signToken(SECRET, payload);
      assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      assert.deepEqual(verifyToken(SECRET, token), payload);
      assert.deepEqual(verifyToken(SECRET, token, payload.kind), payload);
      assert.equal(verifyToken(SECRET, token, payload.kind === 'open' ? 'click' : 'open'), null);
    }
  });

  it('carries a MAC of at least 128 bits', () => {
    const mac = signToken(SECRET, click).split('.')[1] ?? '';
    assert.ok(Buffer.from(mac, 'base64url').length * 8 >= 128);
  });

  it('refuses a token signed with another secret, and accepts rotated secrets', () => {
    const token = signToken(OTHER, click);
    assert.equal(verifyToken(SECRET, token), null);
    assert.deepEqual(verifyToken([SECRET, OTHER], token), click);
  });

  it('refuses any tampering: every changed character of payload or MAC', () => {
    const token = signToken(SECRET, click);
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      const swapped = token[i] === 'A' ? 'B' : 'A';
      assert.equal(
        verifyToken(SECRET, token.slice(0, i) + swapped + token.slice(i + 1)),
        null,
        `position ${i}`,
      );
    }
  });

  it('cannot be turned into an open redirect: the target is inside the signed payload', () => {
    const token = signToken(SECRET, click);
    const [, mac] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify([1, 'c', 'msg-1', 'reader@example.org', 'acme-web', 'acc-1', 'https://evil.example/']),
    ).toString('base64url');
    assert.equal(verifyToken(SECRET, `${forged}.${mac}`), null);
    assert.throws(() => signToken(SECRET, { ...click, url: 'javascript:alert(1)' }), TypeError);
    assert.throws(() => signToken(SECRET, { ...click, url: '//evil.example/' }), TypeError);
    assert.throws(() => signToken(SECRET, { kind: 'click', ...copy }), TypeError);
    assert.throws(() => signToken(SECRET, { kind: 'open', ...copy, url: 'https://x.example/' }), TypeError);
  });

  it('answers null, never throws, for malformed tokens', () => {
    const valid = signToken(SECRET, click);
    const [body, mac] = valid.split('.') as [string, string];
    const bad: unknown[] = [
      undefined,
      null,
      42,
      {},
      '',
      '.',
      'abc',
      `${body}.`,
      `.${mac}`,
      `${body}.${mac}.x`,
      `${body}.${mac}=`,
      `${body}.${mac.slice(0, -1)}`,
      `${body}!.${mac}`,
      `${body}.${mac}`.replace(/./, ' '),
      `${'A'.repeat(MAX_TOKEN_CHARS)}.${mac}`,
      'eyJ9.AAAAAAAAAAAAAAAAAAAAAA',
    ];
    for (const token of bad) assert.equal(verifyToken(SECRET, token), null, String(token));
  });

  it('refuses well-signed payloads that break the format (wrong version, types, or a non-http click URL)', () => {
    // Signed the way tokens are (HMAC-SHA256 over a context prefix and the body, first 16 bytes):
    // the MAC is right, the content is not.
    const sign = (fields: unknown): string => {
      const body = Buffer.from(JSON.stringify(fields)).toString('base64url');
      const mac = createHmac('sha256', SECRET).update(`petrel-tracking-v1.${body}`).digest().subarray(0, 16);
      return `${body}.${mac.toString('base64url')}`;
    };
    assert.deepEqual(verifyToken(SECRET, sign([1, 'o', 'm', 'r', 'u', 'a'])), {
      kind: 'open',
      messageId: 'm',
      recipient: 'r',
      username: 'u',
      accountId: 'a',
    });
    for (const fields of [
      'not an array',
      [2, 'o', 'm', 'r', 'u', 'a'],
      [1, 'x', 'm', 'r', 'u', 'a'],
      [1, 'o', '', 'r', 'u', 'a'],
      [1, 'o', 'm', 'r', 'u', 7],
      [1, 'c', 'm', 'r', 'u', 'a', 'javascript:alert(1)'],
      [1, 'c', 'm', 'r', 'u', 'a'],
      [1, 'o', 'm', 'r', 'u', 'a', 'https://x.example/'],
      { 0: 1 },
    ]) {
      assert.equal(verifyToken(SECRET, sign(fields)), null);
    }
  });

  it('refuses a short secret as a configuration error', () => {
    assert.throws(() => signToken('short', click), TypeError);
    assert.throws(() => verifyToken('short', 'x.y'), TypeError);
  });
});

describe('tracking URLs', () => {
  it('uses /t/o/, /t/c/ and /t/u/ under the public URL, keeping a path prefix', () => {
    assert.deepEqual(TRACKING_PATHS, { open: '/t/o/', click: '/t/c/', unsubscribe: '/t/u/' });
    assert.equal(trackingUrl('https://mail.example/', 'open', 'T.k'), 'https://mail.example/t/o/T.k');
    assert.equal(
      trackingUrl('https://mail.example/relay//', 'click', 'T.k'),
      'https://mail.example/relay/t/c/T.k',
    );
    assert.throws(() => trackingUrl('ftp://mail.example', 'open', 'T.k'), TypeError);
  });

  it('builds signed links for one recipient that verify back to that recipient', () => {
    const links = createTrackingLinks(SECRET, 'https://mail.example', copy);
    const token = (url: string, prefix: string): string => {
      assert.ok(url.startsWith(`https://mail.example${prefix}`));
      return url.slice(`https://mail.example${prefix}`.length);
    };
    assert.deepEqual(verifyToken(SECRET, token(links.openPixelUrl, '/t/o/'), 'open'), {
      kind: 'open',
      ...copy,
    });
    assert.deepEqual(verifyToken(SECRET, token(links.unsubscribeUrl, '/t/u/'), 'unsubscribe'), {
      kind: 'unsubscribe',
      ...copy,
    });
    const clicked = links.trackClick('https://shop.example/x');
    assert.deepEqual(verifyToken(SECRET, token(clicked, '/t/c/'), 'click'), {
      kind: 'click',
      ...copy,
      url: 'https://shop.example/x',
    });
  });
});
