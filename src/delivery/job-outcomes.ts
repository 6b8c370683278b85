// What a delivery leaves behind, in the order that loses nothing: the bounce notification is spooled
// and hard bounces are suppressed before the queue rows turn final (a crash in between repeats them
// rather than drops them), then the events. A message whose recipients are all final leaves the spool.
import type { Logger } from 'pino';
import type { DeliveryResult, Metrics } from '../metrics.js';
import type { AttemptOutcome, ClaimedRecipient, QueuedMessage, SpoolQueue } from '../spool/index.js';
import type { NewEvent } from '../store/repositories/events.js';
import type { SuppressionReason, SuppressionsRepository } from '../store/repositories/suppressions.js';
import { sendBounceNotice, type BounceNoticeDeps } from './bounce-notice.js';
import type { EventRecorder } from './event-recorder.js';
import type { MessageContext } from './message-context.js';
import type { PRIVATE_DESTINATION_REASON } from './destination-policy.js';
import { formatReply } from './smtp-reply.js';
import type { RecipientResult } from './types.js';

/** What became of one recipient in this attempt. */
export type Decided =
  | { row: ClaimedRecipient; kind: 'delivered' | 'bounced' | 'expired'; result: RecipientResult }
  | { row: ClaimedRecipient; kind: 'deferred'; result: RecipientResult; at: number }
  | { row: ClaimedRecipient; kind: 'suppressed'; reason: SuppressionReason }
  /** Never sent: its destination is one Petrel may not deliver to (SPEC §10). */
  | { row: ClaimedRecipient; kind: 'refused'; reason: typeof PRIVATE_DESTINATION_REASON };

export interface OutcomeDeps extends BounceNoticeDeps {
  queue: Pick<SpoolQueue, 'recordAttempts'>;
  suppressions: Pick<SuppressionsRepository, 'add'>;
  events: EventRecorder;
  logger: Logger;
  metrics?: Pick<Metrics, 'deliveryRecipients'>;
}

export interface Attempt {
  message: QueuedMessage;
  /** The sender's own recipients (not audit copies, not Petrel's bounces): events, bounces, suppression. */
  senders: boolean;
  /** Audit copies (SPEC §3.2): their final outcomes get events of their own (audit-delivered/-bounced). */
  audit?: boolean;
  decided: Decided[];
  context: MessageContext;
}

const SUPPRESSED_REPLY: Record<SuppressionReason, string> = {
  unsubscribed: '5.7.1 not sent: the recipient unsubscribed from this sender',
  suppressed: '5.7.1 not sent: the recipient is on the suppression list',
  spam: '5.7.1 not sent: the recipient reported mail from this account as spam',
};

function toOutcome(d: Decided): AttemptOutcome {
  const recipientId = d.row.id;
  switch (d.kind) {
    case 'suppressed':
      return { recipientId, result: 'bounced', reply: SUPPRESSED_REPLY[d.reason] };
    case 'refused':
      return { recipientId, result: 'bounced', reply: REFUSED_REPLY };
    case 'deferred':
      return { recipientId, result: 'deferred', reply: formatReply(d.result), nextAttemptAt: d.at };
    case 'delivered':
      return { recipientId, result: 'delivered', reply: formatReply(d.result) };
    default:
      return { recipientId, result: 'bounced', reply: formatReply(d.result) };
  }
}

const REFUSED_REPLY = '5.7.1 not sent: delivery to loopback, private, link-local or own addresses is refused';

const METRIC_RESULTS: Record<Decided['kind'], DeliveryResult> = {
  delivered: 'delivered',
  bounced: 'bounced',
  expired: 'bounced',
  deferred: 'deferred',
  suppressed: 'suppressed',
  refused: 'suppressed',
};

const EVENT_NAMES = {
  delivered: 'delivered',
  bounced: 'hard-bounced',
  expired: 'hard-bounced',
  deferred: 'soft-bounced',
  suppressed: 'rejected',
  refused: 'rejected',
} as const;

function toEvent(message: QueuedMessage, subject: string, d: Decided, date: Date): NewEvent {
  const base: NewEvent = {
    accountId: message.accountId,
    event: EVENT_NAMES[d.kind],
    date,
    emailId: message.id,
    username: message.username,
    sender: message.mailFrom,
    recipient: d.row.address,
    subject,
  };
  if (d.kind === 'suppressed' || d.kind === 'refused') return { ...base, reason: d.reason };
  return { ...base, smtpResponse: formatReply(d.result), host: d.result.host };
}

export async function recordOutcomes(deps: OutcomeDeps, attempt: Attempt): Promise<void> {
  const { message, decided } = attempt;
  if (attempt.senders) await bounceEffects(deps, attempt);
  try {
    // A message whose recipients are all final leaves the spool in the same write: the bytes are no
    // longer needed (its history is in the events and the log).
    await deps.queue.recordAttempts(decided.map(toOutcome), Date.now(), { removeFinished: true });
  } catch (err) {
    // The rows stay leased and come due again when the lease ends: tried again, not lost.
    deps.logger.error({ err, messageId: message.id }, 'delivery: could not record the attempt');
    return;
  }
  // Counted once the outcome is durable: an attempt that will be repeated is not counted twice.
  for (const d of decided) deps.metrics?.deliveryRecipients.inc({ result: METRIC_RESULTS[d.kind] });
  if (attempt.senders) {
    const subject = await attempt.context.subject();
    const now = new Date();
    deps.events.add(decided.map((d) => toEvent(message, subject, d, now)));
  } else if (attempt.audit) {
    const subject = await attempt.context.subject();
    const now = new Date();
    deps.events.add(
      decided.flatMap((d) => {
        // Retries of an audit copy are in the log; its activity shows where it ended.
        const event = AUDIT_EVENTS[d.kind];
        return event ? [{ ...toEvent(message, subject, d, now), event }] : [];
      }),
    );
  }
}

const AUDIT_EVENTS: Partial<Record<Decided['kind'], 'audit-delivered' | 'audit-bounced'>> = {
  delivered: 'audit-delivered',
  bounced: 'audit-bounced',
  expired: 'audit-bounced',
  refused: 'audit-bounced',
};

/** The bounce notification, and the account-wide suppression of addresses that hard-bounced. */
async function bounceEffects(deps: OutcomeDeps, attempt: Attempt): Promise<void> {
  const { message } = attempt;
  const failed = attempt.decided.filter(
    (d): d is Decided & { kind: 'bounced' | 'expired' } => d.kind === 'bounced' || d.kind === 'expired',
  );
  if (failed.length === 0) return;
  try {
    await sendBounceNotice(
      deps,
      message,
      await attempt.context.headers(),
      failed.map((d) => d.result),
    );
  } catch (err) {
    deps.logger.error({ err, messageId: message.id }, 'delivery: could not queue the bounce notification');
  }
  // Only a server's permanent refusal says the address is bad; giving up after days of temporary
  // failures (an unreachable server) does not.
  const hard = failed.filter((d) => d.kind === 'bounced');
  await Promise.all(
    hard.map((d) =>
      deps.suppressions
        .add({
          accountId: message.accountId,
          username: '',
          recipient: d.row.address,
          reason: 'suppressed',
          emailId: message.id,
        })
        .catch((err: unknown) =>
          deps.logger.error({ err, messageId: message.id }, 'delivery: could not add a suppression'),
        ),
    ),
  );
}
