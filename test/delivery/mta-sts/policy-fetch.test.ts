// The HTTPS policy fetch against a real HTTPS server on loopback (RFC 8461 §3.3): a certificate valid for
// mta-sts.<domain> under the configured trust store, 200 only (no redirects), text/plain, a size limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fetchPolicyText, PolicyFetchError } from '../../../src/delivery/mta-sts/policy-fetch.js';
import { createTestCa } from '../../helpers/test-ca.js';

const POLICY = 'version: STSv1\r\nmode: enforce\r\nmx: mx.far.test\r\nmax_age: 86400\r\n';

async function withServer(
  certFor: string[],
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  run: (fetch: (trustCa?: boolean) => Promise<string>) => Promise<void>,
): Promise<void> {
  const ca = await createTestCa();
  const server: Server = createServer(await ca.issue(certFor), handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  try {
    await run((trustCa = true) =>
      fetchPolicyText({
        host: 'mta-sts.far.test',
        address: '127.0.0.1',
        port,
        trust: { secureContext: createSecureContext(trustCa ? { ca: ca.cert } : {}) },
        timeoutMs: 10_000,
        maxBytes: 1024,
      }),
    );
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const serve =
  (status: number, type: string, body: string, headers: Record<string, string> = {}) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    assert.equal(req.url, '/.well-known/mta-sts.txt');
    assert.equal(req.headers.host, 'mta-sts.far.test');
    res.writeHead(status, { 'content-type': type, ...headers }).end(body);
  };

test('a valid certificate, 200 and text/plain: the policy text', () =>
  withServer(['mta-sts.far.test'], serve(200, 'text/plain', POLICY), async (fetch) => {
    assert.equal(await fetch(), POLICY);
  }));

test('a certificate from a CA not in the trust store is refused', () =>
  withServer(['mta-sts.far.test'], serve(200, 'text/plain', POLICY), async (fetch) => {
    await assert.rejects(fetch(false), PolicyFetchError);
  }));

test('a certificate for another name is refused', () =>
  withServer(['www.far.test'], serve(200, 'text/plain', POLICY), async (fetch) => {
    await assert.rejects(fetch(), /mta-sts\.far\.test/);
  }));

test('a redirect is not followed', () =>
  withServer(
    ['mta-sts.far.test'],
    serve(301, 'text/plain', '', { location: 'https://evil.test/policy' }),
    async (fetch) => {
      await assert.rejects(fetch(), /HTTP status 301/);
    },
  ));

test('another media type, or more than the size limit, is refused', async () => {
  await withServer(['mta-sts.far.test'], serve(200, 'text/html', POLICY), async (fetch) => {
    await assert.rejects(fetch(), /media type text\/html/);
  });
  await withServer(
    ['mta-sts.far.test'],
    serve(200, 'text/plain', POLICY + 'x'.repeat(2048)),
    async (fetch) => {
      await assert.rejects(fetch(), /larger than 1024 bytes/);
    },
  );
});
