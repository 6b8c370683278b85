// A deliberately small SMTP client for load generation: one socket, one reply handler, replies parsed
// straight off latin1 strings. Setup (greeting, EHLO, STARTTLS, AUTH PLAIN) is promise-based; the
// per-message loop in session.ts drives `send` + `onReply` directly so a message costs no objects
// beyond its reply strings.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export type TlsMode = 'none' | 'starttls' | 'implicit';

export interface ConnectOptions {
  host: string;
  port: number;
  tls: TlsMode;
  /** Verify the server's certificate (off by default: benchmarks usually target self-signed servers). */
  verifyCertificate: boolean;
  helo: string;
  user?: string;
  password?: string;
  /**
   * TLS sessions to resume, as a real MTA's session cache would: the last ticket the server issued is
   * offered on the next connection and replaced by each new one. Without it every handshake is full.
   */
  tlsSessions?: TlsSessionCache;
}

/** The last TLS session ticket received from one server (the bench talks to one at a time). */
export class TlsSessionCache {
  private ticket: Buffer | undefined;

  offer(): { session: Buffer } | Record<string, never> {
    return this.ticket ? { session: this.ticket } : {};
  }

  watch(socket: TLSSocket): void {
    socket.on('session', (ticket: Buffer) => (this.ticket = ticket));
  }
}

/** A reply: its three-digit code and its last line's text. */
export type ReplyHandler = (code: number, text: string) => void;

export class SmtpProtocolError extends Error {
  constructor(
    readonly stage: string,
    readonly code: number,
    text: string,
  ) {
    super(`${stage}: ${code} ${text}`.trim());
    this.name = 'SmtpProtocolError';
  }
}

export class SmtpClient {
  /** Called with each complete reply (multi-line replies once, at their last line). */
  onReply: ReplyHandler = () => undefined;
  /** Called once when the connection ends or fails. */
  onClose: (err: Error | null) => void = () => undefined;
  /** The EHLO keywords of the last EHLO reply, upper-case (e.g. STARTTLS, AUTH, PIPELINING). */
  extensions: string[] = [];
  private pending = '';
  private ehloLines: string[] = [];
  private closed = false;

  private constructor(private socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  /** Connects, reads the greeting, says EHLO, upgrades with STARTTLS and logs in as configured. */
  static async open(options: ConnectOptions): Promise<SmtpClient> {
    const socket =
      options.tls === 'implicit'
        ? tlsConnect({
            host: options.host,
            port: options.port,
            rejectUnauthorized: options.verifyCertificate,
            ...options.tlsSessions?.offer(),
          })
        : netConnect({ host: options.host, port: options.port });
    if (options.tls === 'implicit') options.tlsSessions?.watch(socket as TLSSocket);
    socket.setNoDelay(true);
    const client = new SmtpClient(socket);
    try {
      await client.expect(null, 'greeting', 220);
      await client.expect(`EHLO ${options.helo}`, 'EHLO', 250);
      if (options.tls === 'starttls') {
        if (!client.extensions.includes('STARTTLS'))
          throw new SmtpProtocolError('STARTTLS', 0, 'not offered');
        await client.expect('STARTTLS', 'STARTTLS', 220);
        await client.upgrade(options);
        await client.expect(`EHLO ${options.helo}`, 'EHLO', 250);
      }
      if (options.user !== undefined) {
        const token = Buffer.from(`\0${options.user}\0${options.password ?? ''}`).toString('base64');
        await client.expect(`AUTH PLAIN ${token}`, 'AUTH', 235);
      }
    } catch (err) {
      client.destroy();
      throw err;
    }
    return client;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends QUIT and closes without waiting for the answer. */
  quit(): void {
    if (this.closed) return;
    this.socket.end('QUIT\r\n');
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Sends `line` (if any) and resolves with the reply, or rejects unless its code is `want`. */
  expect(line: string | null, stage: string, want: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.onReply = (code, text) => {
        if (code === want) resolve(text);
        else reject(new SmtpProtocolError(stage, code, text));
      };
      this.onClose = (err) => reject(err ?? new SmtpProtocolError(stage, 0, 'connection closed'));
      if (line !== null) this.send(`${line}\r\n`);
    });
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('latin1');
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onSocketClose);
  }

  private detach(socket: Socket | TLSSocket): void {
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('close', this.onSocketClose);
  }

  private async upgrade(options: ConnectOptions): Promise<void> {
    const plain = this.socket;
    this.detach(plain);
    const secure = tlsConnect({
      socket: plain,
      servername: /^[\d.]+$|:/.test(options.host) ? undefined : options.host,
      rejectUnauthorized: options.verifyCertificate,
      ...options.tlsSessions?.offer(),
    });
    options.tlsSessions?.watch(secure);
    this.socket = secure;
    this.attach(secure);
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      this.onClose = (err) => reject(err ?? new Error('connection closed during the TLS handshake'));
    });
  }

  private readonly onData = (chunk: string): void => {
    let text = this.pending === '' ? chunk : this.pending + chunk;
    let start = 0;
    for (;;) {
      const end = text.indexOf('\r\n', start);
      if (end < 0) break;
      const line = text.slice(start, end);
      start = end + 2;
      if (line.length >= 4 && line.charCodeAt(3) === 45 /* '-' */) {
        this.ehloLines.push(line.slice(4));
        continue;
      }
      if (this.ehloLines.length > 0) this.noteExtensions(line.slice(4));
      this.onReply(Number.parseInt(line.slice(0, 3), 10) || 0, line.slice(4));
    }
    text = text.slice(start);
    this.pending = text;
  };

  // Only EHLO has multi-line 250 replies in practice; the keywords are the first word of lines 2+.
  private noteExtensions(last: string): void {
    this.extensions = [...this.ehloLines.slice(1), last].map((l) => (l.split(' ')[0] ?? '').toUpperCase());
    this.ehloLines = [];
  }

  private readonly onError = (err: Error): void => {
    this.finish(err);
  };

  private readonly onSocketClose = (): void => {
    this.finish(null);
  };

  private finish(err: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(err);
  }
}
