// SPEC §10, last promise: every link Petrel signs is normalised first (`new URL(...).href`), so no signed
// value can make a response header invalid; the /metrics token is compared in constant time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newSortableId } from '../../src/security/sortable-id.js';
import { tokensEqual } from '../../src/security/constant-time.js';
import { verifyToken } from '../../src/tracking/tokens.js';
import { createTrackingLinks } from '../../src/tracking/tracking-urls.js';
import { startTestNode, type TestNode } from '../helpers/node.js';

let node: TestNode;

before(async () => {
  node = await startTestNode({ PETREL_METRICS_TOKEN: 'metrics-token-of-some-length' });
});
after(async () => {
  await node.stop();
});

const copy = () => ({
  messageId: newSortableId(),
  recipient: 'reader@example.org',
  username: 'tracked-user',
  accountId: node.masterAccountId,
});

describe('click links with control characters', () => {
  for (const [name, target, expected] of [
    [
      'CR/LF',
      'https://shop.example/a\r\nSet-Cookie: stolen=1',
      'https://shop.example/aSet-Cookie:%20stolen=1',
    ],
    ['a tab and a NUL-free space', 'https://shop.example/b\tc d', 'https://shop.example/bc%20d'],
    ['a bare LF in the query', 'https://shop.example/q?x=1\ny=2', 'https://shop.example/q?x=1y=2'],
  ] as const) {
    it(`a link with ${name} is signed normalised and redirects with a valid Location`, async () => {
      const url = createTrackingLinks(node.trackingSecret, node.httpUrl, copy()).trackClick(target);
      const token = url.slice(url.lastIndexOf('/') + 1);
      assert.equal(verifyToken(node.trackingSecret, token)?.url, expected);
      const response = await fetch(url, { redirect: 'manual' });
      assert.equal(response.status, 302, `status ${response.status}`);
      assert.equal(response.headers.get('location'), expected);
    });
  }
});

describe('/metrics token', () => {
  it('is checked by a constant-time comparison that still tells right from wrong', () => {
    assert.equal(tokensEqual('metrics-token-of-some-length', 'metrics-token-of-some-length'), true);
    assert.equal(tokensEqual('metrics-token-of-some-length', 'metrics-token-of-some-lengtH'), false);
    assert.equal(tokensEqual('metrics-token-of-some-length', 'short'), false);
    assert.equal(tokensEqual('metrics-token-of-some-length', ''), false);
  });

  it('answers 200 with the token and 401 without it or with a near miss', async () => {
    const get = (authorization?: string) =>
      fetch(`${node.httpUrl}/metrics`, authorization === undefined ? {} : { headers: { authorization } });
    assert.equal((await get('Bearer metrics-token-of-some-length')).status, 200);
    assert.equal((await get('bearer metrics-token-of-some-length')).status, 200);
    assert.equal((await get('Bearer metrics-token-of-some-lengt')).status, 401);
    assert.equal((await get()).status, 401);
  });
});
