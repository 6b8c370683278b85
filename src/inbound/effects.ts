// What a late bounce or complaint does (SPEC §6), in one place so that later consumers (webhooks) hook in
// here: the account-wide suppression (hard bounce, spam), the DSN to the original sender for a hard
// bounce (its bounce_notifications, through delivery's own DSN machinery, §3.4), then the activity event.
// The durable parts come first: the listener answers 250 only once they are written, so a failure
// leaves the remote server to retry.
import type { Logger } from 'pino';
import { sendBounceNotice, type BounceNoticeDeps } from '../delivery/bounce-notice.js';
import type { EventRecorder } from '../delivery/event-recorder.js';
import { parseReply } from '../delivery/smtp-reply.js';
import type { RecipientResult } from '../delivery/types.js';
import { DEFAULT_SENDING_SETTINGS, type SendingSettings } from '../domain/sending-settings.js';
import type { QueuedMessage } from '../spool/index.js';
import type { ApiKeysRepository } from '../store/repositories/api-keys.js';
import type { EventsRepository } from '../store/repositories/events.js';
import type { SmtpUsersRepository } from '../store/repositories/smtp-users.js';
import type { SuppressionsRepository } from '../store/repositories/suppressions.js';
import type { InboundOutcome } from './classify.js';
import type { BounceTarget } from './verp-target.js';

/** Told of every outcome once its effects are written (e.g. a webhook dispatcher's outbox). */
export type InboundListener = (target: BounceTarget, outcome: InboundOutcome) => void | Promise<void>;

export interface InboundEffectsDeps extends BounceNoticeDeps {
  events: Pick<EventRecorder, 'add'>;
  /** Reads what was recorded already, to let a report sent twice act once. */
  recorded: Pick<EventsRepository, 'forEmail'>;
  suppressions: Pick<SuppressionsRepository, 'add'>;
  smtpUsers: Pick<SmtpUsersRepository, 'findInAccount'>;
  apiKeys: Pick<ApiKeysRepository, 'findInAccount'>;
  logger: Logger;
  listeners?: InboundListener[];
}

interface Sender {
  kind: 'smtp' | 'api';
  settings: SendingSettings;
}

/** The sender's current settings: the message has long left the spool, and with it those at acceptance. */
async function senderOf(deps: InboundEffectsDeps, target: BounceTarget): Promise<Sender> {
  const user = await deps.smtpUsers.findInAccount(target.accountId, target.username);
  if (user) return { kind: 'smtp', settings: user.settings };
  const key = await deps.apiKeys.findInAccount(target.accountId, target.username);
  if (key) return { kind: 'api', settings: key.settings };
  // A removed sender: its mail still belongs to someone, who gets the notice as by default.
  return { kind: 'smtp', settings: DEFAULT_SENDING_SETTINGS };
}

/** The late failure as delivery's own result type, so the DSN says it the same way as a refusal at RCPT. */
function asResult(target: BounceTarget, outcome: InboundOutcome): RecipientResult {
  const reply = outcome.smtpResponse === null ? null : parseReply(outcome.smtpResponse);
  const code = reply?.code ?? null;
  return {
    recipient: target.recipient,
    outcome: 'bounced',
    stage: 'message',
    code,
    enhancedCode: outcome.status ?? (code !== null ? (reply?.enhancedCode ?? '5.0.0') : '5.0.0'),
    text:
      code !== null
        ? (reply?.text ?? '')
        : (outcome.smtpResponse ?? 'the receiving server reported a permanent failure after accepting it'),
    host: outcome.host,
    remoteAddress: null,
    localAddress: null,
    tls: false,
    rule: outcome.rule,
  };
}

async function notifySender(
  deps: InboundEffectsDeps,
  target: BounceTarget,
  outcome: InboundOutcome,
  originalHeaders: string | null,
): Promise<void> {
  const sender = await senderOf(deps, target);
  const message: QueuedMessage = {
    id: target.emailId,
    receivedAt: target.acceptedAt.getTime(),
    mailFrom: target.sender,
    senderKind: sender.kind,
    username: target.username,
    accountId: target.accountId,
    clientAddress: '',
    clientHelo: '',
    tls: false,
    sandbox: false,
    size: 0,
    settings: sender.settings,
  };
  const subject = target.subject.replace(/[\r\n]+/g, ' ');
  const headers = originalHeaders ?? (subject === '' ? '' : `Subject: ${subject}`);
  await sendBounceNotice(deps, message, headers, [asResult(target, outcome)]);
}

/** Applies one outcome to the delivery `target` names. Rejects when a durable effect could not be written. */
export async function applyInboundOutcome(
  deps: InboundEffectsDeps,
  target: BounceTarget,
  outcome: InboundOutcome,
  originalHeaders: string | null,
): Promise<void> {
  if (outcome.event === 'hard-bounced' || outcome.event === 'spam') {
    // A server that missed our 250 sends the same report again: one event and one notice are enough.
    // (Soft bounces may rightly repeat: each delay notice is news.)
    const earlier = await deps.recorded.forEmail(target.accountId, target.emailId);
    if (earlier.some((e) => e.event === outcome.event && e.recipient === target.recipient)) {
      deps.logger.info({ emailId: target.emailId, event: outcome.event }, 'inbound: report already applied');
      return;
    }
    await deps.suppressions.add({
      accountId: target.accountId,
      username: '',
      recipient: target.recipient,
      reason: outcome.event === 'spam' ? 'spam' : 'suppressed',
      emailId: target.emailId,
    });
  }
  // Soft bounces and complaints send no notice (SPEC §6).
  if (outcome.event === 'hard-bounced') await notifySender(deps, target, outcome, originalHeaders);
  deps.events.add([
    {
      accountId: target.accountId,
      event: outcome.event,
      emailId: target.emailId,
      username: target.username,
      sender: target.sender,
      recipient: target.recipient,
      subject: target.subject,
      reason: outcome.reason,
      smtpResponse: outcome.smtpResponse,
      host: outcome.host,
    },
  ]);
  deps.logger.info(
    {
      emailId: target.emailId,
      event: outcome.event,
      source: outcome.source,
      status: outcome.status,
      rule: outcome.rule,
    },
    'inbound: late report applied',
  );
  for (const listener of deps.listeners ?? []) {
    try {
      await listener(target, outcome);
    } catch (err) {
      deps.logger.error({ err, emailId: target.emailId }, 'inbound: a report listener failed');
    }
  }
}
