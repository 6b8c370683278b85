// A real HTTPS server on loopback serving MTA-STS policy files (RFC 8461 §3.3) under a certificate of
// the test's CA; counts the requests, so a test can see how often Petrel fetched.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface PolicyServer {
  host: string;
  port: number;
  /** Host header → policy text; a host not listed answers 404. Tests may change it while running. */
  policies: Map<string, string>;
  /** Every request, in order: "<Host header> <path>". */
  requests: string[];
  close(): Promise<void>;
}

export async function startPolicyServer(options: {
  host?: string;
  tls: { key: string; cert: string };
  policies?: Record<string, string>;
}): Promise<PolicyServer> {
  const host = options.host ?? '127.0.0.1';
  const policies = new Map(Object.entries(options.policies ?? {}));
  const requests: string[] = [];
  const server: Server = createServer({ key: options.tls.key, cert: options.tls.cert }, (req, res) => {
    const name = (req.headers.host ?? '').replace(/:\d+$/, '');
    requests.push(`${name} ${req.url ?? ''}`);
    const policy = policies.get(name);
    if (req.url !== '/.well-known/mta-sts.txt' || policy === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(policy);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    policies,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
