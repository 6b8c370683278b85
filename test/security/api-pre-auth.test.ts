// SPEC §10, first promise: nothing heavy happens before authentication. An unknown key in a header is
// refused before the body is read; a body that carries its key inside is capped at 64 KiB until the key
// is checked; slow headers and slow requests time out; failed authentications count per client address.
// The proof that a body was not read: the answer arrives while the client has sent almost none of it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { CODES, assertError, assertOk } from '../api/api-assertions.js';
import { rawRequest } from './raw-http.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const UNKNOWN_KEY = `api-${'0'.repeat(32)}`;

/** The error code of an envelope inside a raw answer. */
function errorCode(text: string): string | undefined {
  return /"error_code":"([^"]+)"/.exec(text)?.[1];
}

describe('work before authentication', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    await node.stop();
  });

  test('an unknown key in X-Smtp2go-Api-Key is refused 401 before the body is read', async () => {
    const answer = await rawRequest({
      url: `${node.httpUrl}/v3/email/send`,
      headers: {
        'X-Smtp2go-Api-Key': UNKNOWN_KEY,
        'Content-Type': 'application/json',
        // Under email/send's 30 MiB limit, so only the key check can stop it early.
        'Content-Length': String(29 * MiB),
      },
      bodyBytes: 29 * MiB,
      // The client never sends more than 1 MiB: an answer means the server did not wait for the body.
      stopAfter: MiB,
    });
    assert.equal(answer.status, 401, `answer: ${answer.text.slice(0, 200) || '(none before the deadline)'}`);
    assert.equal(errorCode(answer.text), CODES.apiKeyInvalid);
    assert.ok(answer.bodyBytesSentBeforeAnswer <= MiB);
  });

  test('an unknown Bearer key is refused 401 before the body is read', async () => {
    const answer = await rawRequest({
      url: `${node.httpUrl}/v3/users/smtp/add`,
      headers: { Authorization: `Bearer ${UNKNOWN_KEY}`, 'Content-Length': String(9 * MiB) },
      bodyBytes: 9 * MiB,
      stopAfter: MiB,
    });
    assert.equal(answer.status, 401, `answer: ${answer.text.slice(0, 200) || '(none before the deadline)'}`);
  });

  test('a keyless 30 MiB body is refused 413 without being read', async () => {
    const answer = await rawRequest({
      url: `${node.httpUrl}/v3/email/send`,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(30 * MiB - 1) },
      bodyBytes: 30 * MiB - 1,
      fill: '[',
    });
    assert.equal(answer.status, 413, `answer: ${answer.text.slice(0, 200) || '(none before the deadline)'}`);
    assert.equal(errorCode(answer.text), CODES.payloadTooLarge);
    assert.match(answer.text, /64 KiB/);
    assert.ok(
      answer.bodyBytesSentBeforeAnswer < MiB,
      `answered after ${answer.bodyBytesSentBeforeAnswer} body bytes`,
    );
  });

  test('a keyless chunked body is cut off after 64 KiB', async () => {
    const answer = await rawRequest({
      url: `${node.httpUrl}/v3/email/send`,
      headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      bodyBytes: 30 * MiB,
      fill: '[',
    });
    assert.equal(answer.status, 413, `answer: ${answer.text.slice(0, 200) || '(none before the deadline)'}`);
    assert.equal(errorCode(answer.text), CODES.payloadTooLarge);
    assert.ok(
      answer.bodyBytesSentBeforeAnswer < 2 * MiB,
      `answered after ${answer.bodyBytesSentBeforeAnswer} body bytes`,
    );
  });

  test('a key inside a small JSON body still works, and a valid header key keeps the 10 MiB limit', async () => {
    assertOk(await node.call('/users/smtp/view', { api_key: node.masterKey }, { key: null }));
    const padded = { api_key: node.masterKey, padding: 'x'.repeat(65 * KiB) };
    const refused = await node.call('/users/smtp/view', padded, { key: null });
    assertError(refused, 413, CODES.payloadTooLarge);
    assertOk(await node.call('/users/smtp/view', { padding: 'x'.repeat(MiB) }));
  });
});

describe('failed authentications per client address (default 20 a minute)', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    await node.stop();
  });

  test('the 21st failure in a minute is answered 429 with Retry-After, and so is what follows', async () => {
    for (let i = 1; i <= 20; i++) {
      assertError(await node.call('/users/smtp/view', {}, { key: UNKNOWN_KEY }), 401, CODES.apiKeyInvalid);
    }
    const refused = await node.call('/users/smtp/view', {}, { key: UNKNOWN_KEY });
    assertError(refused, 429, CODES.rateLimited);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 120, `Retry-After ${retryAfter}`);
    // A key in the body is no way around it.
    assertError(
      await node.call('/users/smtp/view', { api_key: UNKNOWN_KEY }, { key: null }),
      429,
      CODES.rateLimited,
    );
  });
});

describe('request timeouts', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({
      PETREL_HTTP_HEADERS_TIMEOUT_SECONDS: '1',
      PETREL_HTTP_REQUEST_TIMEOUT_SECONDS: '2',
    });
  });
  after(async () => {
    await node.stop();
  });

  test('headers that never end are answered 408 and the connection closed', async () => {
    const url = new URL(node.httpUrl);
    const { connect } = await import('node:net');
    const socket = connect(Number(url.port), url.hostname);
    socket.write(`POST /v3/users/smtp/view HTTP/1.1\r\nHost: ${url.host}\r\nX-Slow: `);
    const text = await new Promise<string>((resolve) => {
      let got = '';
      const timer = setTimeout(() => resolve(got), 8_000);
      socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(got);
      });
    });
    socket.destroy();
    assert.match(text, /^HTTP\/1\.1 408/, `answer: ${text || '(none, connection still open)'}`);
  });

  test('a body that stops arriving is answered 408 once the whole-request timeout passes', async () => {
    const answer = await rawRequest({
      url: `${node.httpUrl}/v3/users/smtp/view`,
      headers: { 'X-Smtp2go-Api-Key': node.masterKey, 'Content-Length': '100' },
      bodyBytes: 100,
      stopAfter: 10,
      deadlineMs: 8_000,
    });
    assert.equal(answer.status, 408, `answer: ${answer.text.slice(0, 200) || '(none before the deadline)'}`);
  });
});
