// One outbound SMTP connection, as promises over nodemailer's smtp-connection: open it (opportunistic
// STARTTLS, bound to a local address, with an EHLO name), run transactions on it, and turn nodemailer's
// errors into one reply per recipient.
import type { Readable } from 'node:stream';
import type { SecureContext, TLSSocket } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseReply } from './smtp-reply.js';
import type { SmtpReply, Stage } from './types.js';

export interface SessionSpec {
  /** The MX (or smarthost) name: for SNI when it is not an address, and for results and logs. */
  hostName: string;
  address: string;
  port: number;
  localAddress: string | null;
  ehlo: string;
  connectTimeoutMs: number;
  greetingTimeoutMs: number;
  /** Inactivity limit once connected (RFC 5321 §4.5.3.2 suggests minutes, not seconds). */
  socketTimeoutMs: number;
  /**
   * MTA-STS (src/delivery/mta-sts/): the trust store the certificate is judged against, and whether a
   * verified STARTTLS is required (enforce: no plain text, no fallback). Without it, TLS stays
   * opportunistic and unverified.
   */
  tls?: { secureContext: SecureContext; require: boolean };
}

export type OpenResult =
  | { kind: 'open'; session: SmtpSession }
  /** `duringTls`: the failure came while upgrading with STARTTLS (or the server would not). */
  | { kind: 'failed'; reply: SmtpReply; stage: 'connect'; duringTls?: boolean };

export interface RecipientReply {
  stage: Stage;
  reply: SmtpReply;
}

/** What the final reply of a transaction means for each of its recipients. */
export type TransactionReplies = Map<string, RecipientReply>;

export interface Envelope {
  /** '' for the null sender (MAIL FROM:<>). */
  from: string;
  to: readonly string[];
  /** Announced with SIZE when the server supports it. */
  size?: number;
}

/** The fields of a nodemailer error this module reads. */
interface SmtpError extends Error {
  code?: string;
  originalCode?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  recipient?: string;
  rejectedErrors?: SmtpError[];
}

export async function openSession(spec: SessionSpec): Promise<OpenResult> {
  const first = await connect(spec, false);
  // A required TLS never falls back: the failed handshake is the answer (MTA-STS enforce).
  if (first.kind === 'open' || !first.duringTls || spec.tls?.require) return finish(first, spec);
  // The server offered STARTTLS but the handshake failed (old protocol versions or ciphers, a broken
  // certificate chain…): mail still goes, in plain text, as every opportunistic MTA does.
  return finish(await connect(spec, true), spec);
}

type Attempt =
  | { kind: 'open'; session: SmtpSession }
  /** `duringTls`: the failure came while upgrading the connection with STARTTLS. */
  | { kind: 'error'; error: SmtpError; duringTls: boolean };

function finish(attempt: Attempt, spec: SessionSpec): OpenResult {
  if (attempt.kind === 'open') return attempt;
  const reply = connectFailureReply(attempt.error, spec);
  return { kind: 'failed', reply, stage: 'connect', duringTls: attempt.duringTls };
}

function connect(spec: SessionSpec, ignoreTLS: boolean): Promise<Attempt> {
  const isAddressName = spec.hostName === spec.address;
  const requireTls = spec.tls?.require === true;
  const conn = new SMTPConnection({
    host: spec.address,
    port: spec.port,
    name: spec.ehlo,
    localAddress: spec.localAddress ?? undefined,
    opportunisticTLS: !requireTls,
    requireTLS: requireTls,
    ignoreTLS: ignoreTLS && !requireTls,
    // Opportunistic TLS protects against passive eavesdropping only; refusing a self-signed or
    // mismatched certificate would just push the mail back to plain text (RFC 7435). Only a policy
    // that asks for it (MTA-STS enforce) makes a bad certificate end the connection.
    tls: {
      rejectUnauthorized: requireTls,
      servername: isAddressName ? undefined : spec.hostName,
      ...(spec.tls ? { secureContext: spec.tls.secureContext } : {}),
    },
    connectionTimeout: spec.connectTimeoutMs,
    greetingTimeout: spec.greetingTimeoutMs,
    socketTimeout: spec.socketTimeoutMs,
    // The loopback and private ranges are real destinations for a relay's tests and its operators.
    allowInternalNetworkInterfaces: true,
    logger: false,
  });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (a: Attempt): void => {
      if (settled) return;
      settled = true;
      conn.removeListener('error', onError);
      conn.removeListener('end', onEnd);
      resolve(a);
    };
    // A handshake that fails surfaces as ETLS or as a plain socket error or close while upgrading.
    const duringTls = (err: SmtpError): boolean => err.code === 'ETLS' || conn.upgrading === true;
    const onError = (err: SmtpError): void => {
      const tls = duringTls(err);
      conn.close();
      settle({ kind: 'error', error: err, duringTls: tls });
    };
    const onEnd = (): void => {
      const err: SmtpError = Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' });
      settle({ kind: 'error', error: err, duringTls: duringTls(err) });
    };
    conn.on('error', onError);
    conn.once('end', onEnd);
    conn.connect((err?: SmtpError) => {
      if (err) return onError(err);
      settle({ kind: 'open', session: new SmtpSession(conn, spec) });
    });
  });
}

/** A connection that is open, has said EHLO (and STARTTLS when offered), and can carry transactions. */
export class SmtpSession {
  /** Transactions started on this connection. */
  transactions = 0;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly conn: SMTPConnection,
    readonly spec: SessionSpec,
  ) {
    // From here on errors reach the send/reset callbacks; the listener only keeps an 'error' event
    // (e.g. an idle connection timing out in the pool) from becoming an uncaught exception.
    conn.on('error', () => this.markClosed());
    conn.once('end', () => this.markClosed());
  }

  /** Whether STARTTLS protects the session. */
  get tls(): boolean {
    return this.conn.secure;
  }

  /**
   * Whether the STARTTLS certificate chains to the trust store and is valid for the host name (node
   * checks both even when it does not reject); the reason when it is not. Meaningful with `spec.tls`.
   */
  get tlsVerification(): { verified: boolean; error: string | null } {
    if (!this.conn.secure) return { verified: false, error: 'no STARTTLS' };
    const socket = Reflect.get(this.conn, '_socket') as TLSSocket | undefined;
    if (socket?.authorized === true) return { verified: true, error: null };
    const error = socket?.authorizationError;
    return { verified: false, error: error === undefined ? 'certificate not verified' : String(error) };
  }

  get usable(): boolean {
    return !this.closed;
  }

  /** Calls `listener` once the session closes (at once if it has); returns a function that unsubscribes. */
  onClose(listener: () => void): () => void {
    if (this.closed) {
      listener();
      return () => undefined;
    }
    this.closeListeners.push(listener);
    return () => {
      const i = this.closeListeners.indexOf(listener);
      if (i >= 0) this.closeListeners.splice(i, 1);
    };
  }

  /** RSET: resolves false (and closes) when the server did not take it, i.e. the session is not reusable. */
  reset(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      // nodemailer drops the pending RSET callback when the socket dies under it; the close is the answer.
      const unsubscribe = this.onClose(() => setImmediate(() => resolve(false)));
      this.conn.reset((err) => {
        unsubscribe();
        if (err) this.close();
        resolve(!err);
      });
    });
  }

  /**
   * One transaction: MAIL FROM, RCPT TO for each recipient, DATA with the stream. Resolves (never
   * rejects) with each recipient's deciding reply. The stream is consumed or destroyed either way.
   */
  send(envelope: Envelope, message: Readable): Promise<TransactionReplies> {
    this.transactions++;
    const to = [...envelope.to];
    return new Promise((resolve) => {
      if (this.closed) {
        message.destroy();
        resolve(allOf(to, 'connect', localReply('4.4.2', `connection to ${this.spec.hostName} was closed`)));
        return;
      }
      let settled = false;
      const settle = (replies: TransactionReplies): void => {
        if (settled) return;
        settled = true;
        unsubscribe();
        resolve(replies);
      };
      // nodemailer answers a dying socket through the callback right after the close event; the deferred
      // fallback only matters should it ever not, so that a transaction can never hang.
      const unsubscribe = this.onClose(() =>
        setImmediate(() =>
          settle(allOf(to, 'message', localReply('4.4.2', `lost connection with ${this.spec.hostName}`))),
        ),
      );
      this.conn.send(
        { from: envelope.from, to, size: envelope.size, use8BitMime: true },
        message,
        (err: SmtpError | null, info) => {
          if (!err) {
            const replies = rcptRejections(info.rejectedErrors);
            const final: RecipientReply = { stage: 'message', reply: parseReply(info.response) };
            for (const r of to) if (!replies.has(r)) replies.set(r, final);
            return settle(replies);
          }
          settle(this.failedTransaction(to, err, message));
        },
      );
    });
  }

  /** Polite end: QUIT, then the socket closes. */
  quit(): void {
    if (this.closed) return;
    this.markClosed();
    this.conn.quit();
  }

  close(): void {
    if (this.closed) return;
    this.markClosed();
    this.conn.close();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners.splice(0)) l();
  }

  private failedTransaction(to: string[], err: SmtpError, message: Readable): TransactionReplies {
    const replies = rcptRejections(err.rejectedErrors ?? pendingRejections(this.conn));
    const others = (reply: RecipientReply): TransactionReplies => {
      for (const r of to) if (!replies.has(r)) replies.set(r, reply);
      return replies;
    };
    const serverSaid = err.response !== undefined && /^\d{3}/.test(err.response);
    if (err.code === 'EENVELOPE' && err.command === 'MAIL FROM' && serverSaid) {
      return allOf(to, 'mail', parseReply(err.response ?? ''));
    }
    if (err.code === 'EENVELOPE' && err.command === 'RCPT TO' && serverSaid) {
      return others({ stage: 'rcpt', reply: parseReply(err.response ?? '') });
    }
    if ((err.code === 'EENVELOPE' || err.code === 'EMESSAGE') && serverSaid) {
      return others({
        stage: err.code === 'EENVELOPE' ? 'data' : 'message',
        reply: parseReply(err.response ?? ''),
      });
    }
    if (err.code === 'EMESSAGE' && /size/i.test(err.message)) {
      // nodemailer refused before sending: the message is over the SIZE the server announced.
      return others({
        stage: 'mail',
        reply: localReply('5.3.4', `message is larger than ${this.spec.hostName} accepts`),
      });
    }
    // The rest leave the session in an unknown state (mid-DATA, dead socket, our stream failed).
    this.close();
    message.destroy();
    if (err.code === 'ESTREAM') {
      return others({
        stage: 'message',
        reply: localReply('4.3.0', `the message could not be read: ${err.message}`),
      });
    }
    if (serverSaid) return others({ stage: 'message', reply: parseReply(err.response ?? '') });
    const what = err.code === 'ETIMEDOUT' ? 'timed out' : 'lost connection';
    return others({
      stage: 'message',
      reply: localReply(
        '4.4.2',
        `${what} with ${this.spec.hostName}[${this.spec.address}] during the transaction`,
      ),
    });
  }
}

function localReply(enhancedCode: string, text: string): SmtpReply {
  return { code: null, enhancedCode, text };
}

function allOf(to: string[], stage: Stage, reply: SmtpReply): TransactionReplies {
  return new Map(to.map((r) => [r, { stage, reply }]));
}

function rcptRejections(errors: readonly SmtpError[] | undefined): TransactionReplies {
  const replies: TransactionReplies = new Map();
  for (const e of errors ?? []) {
    if (e.recipient !== undefined && e.response !== undefined) {
      replies.set(e.recipient, { stage: 'rcpt', reply: parseReply(e.response) });
    }
  }
  return replies;
}

/**
 * nodemailer keeps the RCPT rejections of the transaction in flight on its private envelope and leaves
 * them off some errors (a failed DATA, a dropped connection). Reading them keeps a "550 no such user" at
 * RCPT a bounce even when the transaction later fails for the other recipients.
 */
function pendingRejections(conn: SMTPConnection): SmtpError[] {
  const envelope: unknown = Reflect.get(conn, '_envelope');
  if (typeof envelope !== 'object' || envelope === null) return [];
  const rejected: unknown = Reflect.get(envelope, 'rejectedErrors');
  return Array.isArray(rejected) ? (rejected as SmtpError[]) : [];
}

function connectFailureReply(err: SmtpError, spec: SessionSpec): SmtpReply {
  const where = `${spec.hostName}[${spec.address}]:${spec.port}`;
  if (err.response !== undefined && /^\d{3}/.test(err.response)) {
    const reply = parseReply(err.response);
    return { ...reply, text: `${where} said: ${reply.text}`.trim() };
  }
  const cause = err.originalCode ?? err.code ?? 'error';
  const text =
    cause === 'ECONNREFUSED'
      ? `connect to ${where}: connection refused`
      : err.code === 'ETIMEDOUT'
        ? `connect to ${where}: timed out`
        : `connect to ${where}: ${err.message}`;
  return localReply('4.4.1', text);
}
