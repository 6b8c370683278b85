// A raw HTTP/1.1 client over a socket, for the pre-authentication tests: it sends headers and as much of a
// body as it is told, and notes how many body bytes had been sent when the server's answer arrived.
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** The status line's code, or null when the connection closed without an answer. */
  status: number | null;
  /** Everything the server sent. */
  text: string;
  /** Body bytes the client had written when the first byte of the answer came back. */
  bodyBytesSentBeforeAnswer: number;
}

export interface RawRequestOptions {
  url: string;
  method?: string;
  headers: Record<string, string>;
  /** Total body bytes to offer (streamed in 64 KiB chunks, a little at a time). */
  bodyBytes: number;
  /** The byte the body is made of. */
  fill?: string;
  /** Stop sending (but keep the connection open) after this many body bytes. */
  stopAfter?: number;
  /** Give up waiting for an answer after this long (the test then sees status null). */
  deadlineMs?: number;
}

const CHUNK = 64 * 1024;

/** Sends the request and resolves once the server has answered (or closed, or the deadline passed). */
export function rawRequest(options: RawRequestOptions): Promise<RawAnswer> {
  const url = new URL(options.url);
  const socket: Socket = connect(Number(url.port), url.hostname);
  let sent = 0;
  let answeredAt: number | null = null;
  let text = '';
  const chunk = Buffer.alloc(CHUNK, options.fill ?? ' ');
  const stopAfter = Math.min(options.stopAfter ?? options.bodyBytes, options.bodyBytes);
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({
        status: status === undefined ? null : Number(status),
        text,
        bodyBytesSentBeforeAnswer: answeredAt ?? sent,
      });
    };
    const timer = setTimeout(finish, options.deadlineMs ?? 10_000);
    socket.on('data', (data: Buffer) => {
      answeredAt ??= sent;
      text += data.toString('latin1');
      // One full answer is enough; a keep-alive connection would otherwise stay open.
      const head = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      if (head >= 0 && length !== undefined && text.length >= head + 4 + Number(length)) finish();
    });
    socket.on('close', finish);
    socket.on('error', finish);
    socket.on('connect', () => {
      const lines = [`${options.method ?? 'POST'} ${url.pathname} HTTP/1.1`, `Host: ${url.host}`];
      for (const [name, value] of Object.entries(options.headers)) lines.push(`${name}: ${value}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      const pump = () => {
        if (done || answeredAt !== null) return;
        if (sent >= stopAfter) return;
        const n = Math.min(CHUNK, stopAfter - sent);
        sent += n;
        // A chunked body frames each piece; a Content-Length body is the bytes alone.
        if (options.headers['Transfer-Encoding'] === 'chunked') {
          socket.write(`${n.toString(16)}\r\n`);
          socket.write(chunk.subarray(0, n));
          socket.write('\r\n');
        } else {
          socket.write(chunk.subarray(0, n));
        }
        // Paced, so that an early answer is seen before everything is on the wire.
        setTimeout(pump, 5);
      };
      pump();
    });
  });
}
