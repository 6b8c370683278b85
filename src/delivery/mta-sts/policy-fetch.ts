// Fetches an MTA-STS policy file over HTTPS (RFC 8461 §3.3): GET https://mta-sts.<domain>/.well-known/
// mta-sts.txt from an address already resolved, with a certificate valid for mta-sts.<domain>, no
// redirects, a size limit and a time limit; anything else is a failed fetch.
import { request, type RequestOptions } from 'node:https';
import type { SecureContext } from 'node:tls';
import type { TrustStore } from './trust-store.js';

export interface PolicyFetchOptions {
  /** `mta-sts.<domain>`: SNI, Host header and the name the certificate must be valid for. */
  host: string;
  /** The address `host` resolved to (through Petrel's DNS servers, checked against SPEC §10). */
  address: string;
  port: number;
  trust: TrustStore;
  timeoutMs: number;
  maxBytes: number;
}

export const POLICY_PATH = '/.well-known/mta-sts.txt';

export class PolicyFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyFetchError';
  }
}

/** The policy text; rejects with PolicyFetchError for any failure (the caller treats them alike). */
export function fetchPolicyText(options: PolicyFetchOptions): Promise<string> {
  const url = `https://${options.host}${POLICY_PATH}`;
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      req.destroy();
      reject(new PolicyFetchError(`${url}: ${why}`));
    };
    // `secureContext` reaches tls.connect through the agent, though https' types leave it out.
    const requestOptions: RequestOptions & { secureContext: SecureContext } = {
      host: options.address,
      port: options.port,
      path: POLICY_PATH,
      method: 'GET',
      headers: { host: options.host, accept: 'text/plain' },
      servername: options.host,
      secureContext: options.trust.secureContext,
      rejectUnauthorized: true,
      // Each fetch on its own connection: they are rare (once per max_age) and must not share state.
      agent: false,
      timeout: options.timeoutMs,
    };
    const req = request(requestOptions, (res) => {
      const status = res.statusCode ?? 0;
      // RFC 8461 §3.3: redirects are not followed; only 200 carries a policy.
      if (status !== 200) return fail(`HTTP status ${status}`);
      const type = (res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'text/plain') return fail(`media type ${type || 'missing'}, not text/plain`);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) return fail(`larger than ${options.maxBytes} bytes`);
        chunks.push(chunk);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', (err) => fail(err.message));
    });
    // A whole-request bound: the socket timeout alone lets a server trickle bytes for ever.
    const deadline = setTimeout(() => fail(`no answer within ${options.timeoutMs} ms`), options.timeoutMs);
    deadline.unref();
    req.on('timeout', () => fail(`no answer within ${options.timeoutMs} ms`));
    req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    req.on('close', () => clearTimeout(deadline));
    req.end();
  });
}
