// A real HTTP receiver on loopback for webhook tests: records every call and answers with the status
// the test chooses (or is not listening at all while "down").
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  port: number;
  calls: ReceivedCall[];
  /** The status to answer with (default 200). */
  status: number;
  /** Waits until `n` calls have arrived (or throws after `ms`). */
  waitFor(n: number, ms?: number): Promise<ReceivedCall[]>;
  /** Stops listening (connections refused) / listens again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const calls: ReceivedCall[] = [];
  const r = { status: 200 } as Receiver;
  let server: Server;
  const listen = (p: number) =>
    new Promise<number>((resolve) => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          calls.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
          res.writeHead(r.status, { 'content-type': 'text/plain' });
          res.end(`answer ${r.status}`);
        });
      });
      server.keepAliveTimeout = 1000;
      server.listen(p, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const bound = await listen(port);
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  Object.assign(r, {
    url: `http://127.0.0.1:${bound}/hook`,
    port: bound,
    calls,
    async waitFor(n: number, ms = 20_000) {
      const until = Date.now() + ms;
      while (calls.length < n) {
        if (Date.now() > until)
          throw new Error(`receiver: ${calls.length} calls after ${ms} ms, wanted ${n}`);
        await new Promise((res) => setTimeout(res, 25));
      }
      return calls;
    },
    down: close,
    up: async () => {
      await listen(bound);
    },
    close,
  });
  return r;
}
