// A real SMTP peer (smtp-server) on loopback that misbehaves on purpose for delivery tests: 4xx at RCPT or
// DATA the first N times then success, 5xx for chosen recipients, a dropped connection mid-DATA, a refusing
// greeting, STARTTLS on offer. Records what it saw: peer address, EHLO name, TLS, envelope and bytes.
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface Reply {
  code: number;
  message: string;
}

export interface PeerOptions {
  /** Loopback address to listen on (127.0.0.0/8 needs no set-up on Linux). */
  host?: string;
  port?: number;
  /** Offer STARTTLS (with smtp-server's own self-signed certificate, unless `tlsCredentials`). */
  starttls?: boolean;
  /** The STARTTLS key and certificate (PEM), e.g. from test/helpers/test-ca.ts. */
  tlsCredentials?: { key: string; cert: string };
  /** Offer STARTTLS but fail every handshake (the server speaks only TLS 1.0, which clients refuse). */
  brokenTls?: boolean;
  /** Answer the first `times` RCPT TO commands (over all sessions) with this reply, then accept. */
  rcptFailures?: Reply & { times: number };
  /** Answer the end of the first `times` DATA transfers with this reply, then accept. */
  dataFailures?: Reply & { times: number };
  /** Refuse these recipients, always. */
  rejectRecipients?: Record<string, Reply>;
  /** Drop the connection in the middle of the first `times` DATA transfers. */
  dropMidData?: { times: number };
  /** Greet with this (a 4xx/5xx greeting refuses the session). */
  greeting?: Reply;
}

export interface PeerSession {
  id: string;
  remoteAddress: string;
  /** Set once the client has said EHLO/HELO. */
  ehlo: string;
  tls: boolean;
}

export interface ReceivedMessage {
  sessionId: string;
  remoteAddress: string;
  ehlo: string;
  tls: boolean;
  mailFrom: string;
  rcptTo: string[];
  data: Buffer;
  /** When the peer accepted it (Date.now()). */
  receivedAt: number;
}

export interface SmtpPeer {
  host: string;
  port: number;
  /** Every connection accepted, in order. */
  sessions: PeerSession[];
  /** Every message accepted with 250, in order. */
  messages: ReceivedMessage[];
  /** RCPT TO commands seen (accepted or not). */
  rcptCommands: string[];
  /** Hangs up on every open connection (as a server ending idle sessions does); keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Largest message a peer takes: tests send small messages, and memory stays bounded. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

function smtpError(reply: Reply): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

export async function startSmtpPeer(options: PeerOptions = {}): Promise<SmtpPeer> {
  const host = options.host ?? '127.0.0.1';
  const sessions: PeerSession[] = [];
  const messages: ReceivedMessage[] = [];
  const rcptCommands: string[] = [];
  const sockets = new Map<string, Socket>();
  let rcptFailuresLeft = options.rcptFailures?.times ?? 0;
  let dataFailuresLeft = options.dataFailures?.times ?? 0;
  let dropsLeft = options.dropMidData?.times ?? 0;

  const find = (session: SMTPServerSession): PeerSession | undefined =>
    sessions.find((s) => s.id === session.id);

  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['AUTH'],
    hideSTARTTLS: !options.starttls && !options.brokenTls,
    ...(options.tlsCredentials ?? {}),
    ...(options.brokenTls ? { minVersion: 'TLSv1' as const, maxVersion: 'TLSv1' as const } : {}),
    disableReverseLookup: true,
    size: MAX_MESSAGE_BYTES,
    onConnect(session, callback) {
      sessions.push({ id: session.id, remoteAddress: session.remoteAddress, ehlo: '', tls: false });
      if (options.greeting) return callback(smtpError(options.greeting));
      callback();
    },
    onMailFrom(_address, session, callback) {
      const s = find(session);
      if (s) {
        s.ehlo = session.hostNameAppearsAs;
        s.tls = session.secure;
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      rcptCommands.push(address.address);
      const rejection = options.rejectRecipients?.[address.address];
      if (rejection) return callback(smtpError(rejection));
      if (options.rcptFailures && rcptFailuresLeft > 0) {
        rcptFailuresLeft--;
        return callback(smtpError(options.rcptFailures));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      const drop = dropsLeft > 0;
      if (drop) dropsLeft--;
      stream.on('data', (chunk: Buffer) => {
        if (drop) {
          // Mid-DATA: some bytes have arrived, the final dot has not.
          sockets.get(`${session.remoteAddress}:${session.remotePort}`)?.destroy();
          return;
        }
        size += chunk.length;
        if (size <= MAX_MESSAGE_BYTES) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (drop) return;
        if (options.dataFailures && dataFailuresLeft > 0) {
          dataFailuresLeft--;
          return callback(smtpError(options.dataFailures));
        }
        messages.push({
          sessionId: session.id,
          remoteAddress: session.remoteAddress,
          ehlo: session.hostNameAppearsAs,
          tls: session.secure,
          mailFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks),
          receivedAt: Date.now(),
        });
        callback(null, 'Queued');
      });
    },
  });
  // smtp-server's net.Server: keep each raw socket so a test can pull the plug on it.
  server.server.on('connection', (socket: Socket) => {
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    sockets.set(key, socket);
    socket.once('close', () => sockets.delete(key));
  });
  server.on('error', () => undefined); // a client vanishing mid-session is what some tests do

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    host,
    port,
    sessions,
    messages,
    rcptCommands,
    dropConnections: () => {
      for (const socket of sockets.values()) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets.values()) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Peers on several loopback addresses sharing one port, as MX hosts do (delivery uses one port for every
 * MX). The first takes a free port; should another address have that port in use, all start again.
 */
export async function startPeersOnOnePort(peers: (PeerOptions & { host: string })[]): Promise<SmtpPeer[]> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const started: SmtpPeer[] = [];
    try {
      for (const options of peers) {
        started.push(await startSmtpPeer({ ...options, port: started[0]?.port ?? 0 }));
      }
      return started;
    } catch (err) {
      await Promise.all(started.map((p) => p.close()));
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  throw new Error('no port free on all the peer addresses');
}
