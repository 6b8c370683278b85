// DATA (SPEC §2.5): streams the message into the node's spool and answers `250 2.0.0 OK id=…` only once
// the spool has stored it durably. The body is never held whole here; its bytes flow with backpressure.
import type { Logger } from 'pino';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { Metrics } from '../metrics.js';
import { MessageTooLargeError, SpoolFullError, type Spool, type SpoolEnvelope } from '../spool/types.js';
import { REPLIES, refusal, replyText, type SmtpReplyError } from './replies.js';
import type { SessionPolicy } from './session-policy.js';
import { stateOf, takePending } from './session-state.js';
import { fromHeaderRefusal, HeaderRefused } from '../sender-domains/from-check.js';
import type { SenderPolicy } from '../sender-domains/sender-policy.js';

export interface MessageIntakeDeps {
  spool: Spool;
  logger: Logger;
  policy: Pick<SessionPolicy, 'releasePending'>;
  maxMessageBytes: number;
  metrics?: Pick<Metrics, 'smtpAccepted' | 'smtpAcceptSeconds'>;
  /** PETREL_SENDER_POLICY (SPEC §5): the From header is checked before the message is stored. */
  senderPolicy?: Pick<SenderPolicy, 'allows'>;
}

/** Lets the rest of a refused message flow by, so that the session can answer and carry on. */
function drain(stream: SMTPServerDataStream): void {
  if (!stream.readableEnded && !stream.destroyed) stream.resume();
}

function refusalFor(
  err: unknown,
  maxBytes: number,
  logger: Logger,
  session: SMTPServerSession,
): SmtpReplyError {
  if (err instanceof HeaderRefused) return refusal(REPLIES.senderNotVerified(err.reason, true));
  if (err instanceof MessageTooLargeError) return refusal(REPLIES.messageTooLarge(maxBytes));
  if (err instanceof SpoolFullError) {
    logger.error({ session: session.id }, 'spool is out of disk space; refusing messages with 452');
    return refusal(REPLIES.storageFull());
  }
  logger.error({ err, session: session.id }, 'could not store an incoming message');
  return refusal(REPLIES.localError());
}

export function createMessageIntake(deps: MessageIntakeDeps) {
  const { logger } = deps;
  return {
    /** Resolves to the text of the 250 reply; rejects with the refusal to send instead. */
    async accept(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
      const state = stateOf(session);
      const sender = state.sender;
      state.sender = null;
      if (!sender) {
        drain(stream);
        throw refusal(REPLIES.authRequired());
      }
      const mailFrom = session.envelope.mailFrom;
      const envelope: SpoolEnvelope = {
        mailFrom: mailFrom ? mailFrom.address : '',
        recipients: session.envelope.rcptTo.map((r) => r.address),
        auditRecipients: sender.auditRecipients,
        sandbox: sender.sandbox,
        senderKind: 'smtp',
        username: sender.username,
        accountId: sender.accountId,
        clientAddress: session.remoteAddress,
        clientHelo: session.hostNameAppearsAs || '',
        tls: session.secure,
        authenticated: sender.authenticated,
        settings: sender.settings,
      };
      state.inData = true;
      // The latency a client sees after its final dot: the durable store, not its own upload time.
      let dataEnded = 0n;
      stream.once('end', () => (dataEnded = process.hrtime.bigint()));
      try {
        const body = deps.senderPolicy
          ? fromHeaderRefusal(stream, deps.senderPolicy, sender.accountId)
          : stream;
        const accepted = await deps.spool.accept(envelope, body, { maxBytes: deps.maxMessageBytes });
        if (deps.metrics) {
          deps.metrics.smtpAccepted.inc();
          const ended = dataEnded === 0n ? process.hrtime.bigint() : dataEnded;
          deps.metrics.smtpAcceptSeconds.observe(Number(process.hrtime.bigint() - ended) / 1e9);
        }
        // The recipients counted against the limits are now part of an accepted message: keep them.
        takePending(state);
        logger.info(
          {
            id: accepted.id,
            user: sender.username,
            recipients: envelope.recipients.length,
            size: accepted.size,
            sandbox: sender.sandbox || undefined,
          },
          'message accepted',
        );
        return replyText(REPLIES.messageAccepted(accepted.id));
      } catch (err) {
        drain(stream);
        await deps.policy.releasePending(state);
        throw refusalFor(err, deps.maxMessageBytes, logger, session);
      } finally {
        state.inData = false;
      }
    },
  };
}
