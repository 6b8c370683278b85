// The inbound listener for late bounces and complaints (SPEC §6): SMTP with STARTTLS offered, no AUTH,
// never a relay. RCPT TO takes only signed VERP addresses of the return-path hosts (each naming one
// delivery) and postmaster@ those hosts; everything else is 550 5.1.1, so a forged or unknown token is
// refused before any data. The message (at most 10 MiB, the parser holds it whole) is read, classified
// and applied to every delivery its recipients name before the 250.
import type { Logger } from 'pino';
import type { SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { ConfigError, type ListenAddress } from '../config/settings.js';
import { CatalogueSmtpServer } from '../smtp/catalogue-server.js';
import { refusal, replyText } from '../smtp/replies.js';
import type { TlsCredentials } from '../smtp/tls-credentials.js';
import { classifyReturned } from './classify.js';
import { applyInboundOutcome, type InboundEffectsDeps } from './effects.js';
import { parseReturnedMessage } from './parse-report.js';
import { MessageReader } from './message-reader.js';
import { INBOUND_REPLIES } from './replies.js';
import { judgeRecipient, type BounceTarget, type RcptVerdict, type VerpTargetDeps } from './verp-target.js';

/** SPEC §6. */
export const INBOUND_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** A bounce names one recipient; a few more cover a report sent to several VERP addresses at once. */
const MAX_RECIPIENTS = 50;
const MAX_CLIENTS = 1_000;
/** What all sessions together may hold in memory at once: a few maximal reports, very many real ones. */
const READ_BUDGET_BYTES = 64 * 1024 * 1024;

export interface InboundDeps {
  listen: ListenAddress;
  hostname: string;
  tls: TlsCredentials;
  logger: Logger;
  verp: VerpTargetDeps;
  effects: InboundEffectsDeps;
  shutdownGraceSeconds: number;
}

export interface InboundListener {
  host: string;
  /** The real port (differs from the configured one when that was 0). */
  port: number;
  close(): Promise<void>;
}

/** The verdicts of the current transaction's accepted recipients, by address. */
const accepted = new WeakMap<SMTPServerSession, Map<string, RcptVerdict>>();

function acceptedOf(session: SMTPServerSession): Map<string, RcptVerdict> {
  let map = accepted.get(session);
  if (!map) accepted.set(session, (map = new Map<string, RcptVerdict>()));
  return map;
}

export async function startInboundListener(deps: InboundDeps): Promise<InboundListener> {
  const { logger } = deps;
  const reader = new MessageReader(INBOUND_MAX_MESSAGE_BYTES, READ_BUDGET_BYTES);

  /** Hands a step's outcome to the library; unexpected failures become a 451 and a log line. */
  function settle<T>(step: () => Promise<T>, callback: (err?: Error | null, value?: T) => void): void {
    step().then(
      (value) => callback(null, value),
      (err: unknown) => {
        if (err instanceof Error && 'responseCode' in err) return callback(err);
        logger.error({ err }, 'inbound: could not handle a report');
        callback(refusal(INBOUND_REPLIES.localError()));
      },
    );
  }

  async function onRcptTo(address: string, session: SMTPServerSession): Promise<void> {
    const verdicts = acceptedOf(session);
    if (verdicts.size >= MAX_RECIPIENTS) throw refusal(INBOUND_REPLIES.tooManyRecipients());
    const verdict = await judgeRecipient(deps.verp, address);
    if (verdict.kind === 'refused') {
      logger.debug({ session: session.id, why: verdict.why }, 'inbound: recipient refused');
      throw refusal(INBOUND_REPLIES.noSuchRecipient());
    }
    verdicts.set(address.toLowerCase(), verdict);
  }

  /** Parses the message once and applies what it means to each delivery its recipients name. */
  async function applyReport(raw: Buffer, targets: BounceTarget[], sessionId: string): Promise<void> {
    let parsed;
    try {
      parsed = await parseReturnedMessage(raw);
    } catch (err) {
      // Mail the parser refuses (over its part or nesting limits) is not a report Petrel can read.
      logger.info({ session: sessionId, err: (err as Error).message }, 'inbound: unreadable message');
      return;
    }
    for (const target of targets) {
      const outcome = classifyReturned(parsed, target.recipient);
      if (outcome.event === null) {
        logger.info({ emailId: target.emailId, why: outcome.why }, 'inbound: message ignored');
        continue;
      }
      const originalHeaders = parsed.kind === 'other' ? null : parsed.originalHeaders;
      await applyInboundOutcome(deps.effects, target, outcome, originalHeaders);
    }
  }

  async function onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const verdicts = [...acceptedOf(session).values()];
    accepted.delete(session);
    const targets = verdicts.flatMap((v) => (v.kind === 'verp' ? [v.target] : []));
    const read = await reader.read(stream, targets.length > 0);
    if (read.kind === 'too-large') throw refusal(INBOUND_REPLIES.messageTooLarge(INBOUND_MAX_MESSAGE_BYTES));
    if (read.kind === 'busy') {
      logger.warn({ session: session.id }, 'inbound: too much mail being read at once; answered 451');
      throw refusal(INBOUND_REPLIES.busy());
    }
    if (verdicts.some((v) => v.kind === 'postmaster')) {
      // RFC 5321 requires the mailbox; nothing in it concerns a delivery, so it is only logged.
      logger.info(
        { session: session.id, remoteAddress: session.remoteAddress, bytes: read.size },
        'inbound: message for postmaster received',
      );
    }
    try {
      if (targets.length > 0) await applyReport(read.raw, targets, session.id);
    } finally {
      read.release();
    }
    return replyText(INBOUND_REPLIES.accepted());
  }

  const options: SMTPServerOptions = {
    secure: false,
    key: deps.tls.key,
    cert: deps.tls.cert,
    name: deps.hostname,
    banner: 'Petrel bounce listener',
    size: INBOUND_MAX_MESSAGE_BYTES,
    disabledCommands: ['AUTH'],
    authOptional: true,
    hideENHANCEDSTATUSCODES: false,
    hideDSN: true,
    hideREQUIRETLS: true,
    disableReverseLookup: true,
    maxClients: MAX_CLIENTS,
    closeTimeout: deps.shutdownGraceSeconds * 1000,
    logger: false,
    onMailFrom: (_address, session, callback) => {
      // A new transaction: the recipients of an earlier one (RSET, a refused DATA) are forgotten.
      accepted.delete(session);
      callback();
    },
    onRcptTo: (address, session, callback) => settle(() => onRcptTo(address.address, session), callback),
    onData: (stream, session, callback) =>
      settle(
        () => onData(stream, session),
        (err, text) => (err ? callback(err) : callback(null, text)),
      ),
  };
  const server = new CatalogueSmtpServer(options);
  server.on('error', (err: Error) => logger.debug({ err: err.message }, 'inbound: connection error'));
  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(
        new ConfigError(
          'PETREL_INBOUND_LISTEN',
          `cannot listen on ${deps.listen.host}:${deps.listen.port} (${err.code ?? err.message})`,
        ),
      );
    server.server.once('error', onError);
    server.server.listen(deps.listen.port, deps.listen.host, () => {
      server.server.removeListener('error', onError);
      const bound = server.server.address();
      resolve(typeof bound === 'object' && bound ? bound.port : deps.listen.port);
    });
  });
  logger.info({ host: deps.listen.host, port, tls: deps.tls.source }, 'inbound bounce listener listening');
  let closing: Promise<void> | null = null;
  return {
    host: deps.listen.host,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
