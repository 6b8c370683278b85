// One delivery: the due recipients of one message at one domain. Leaves out suppressed recipients,
// builds each copy with the sender's settings, delivers, and records what happened: the queue rows
// (durable), the bounce notification, the suppression list and the activity events.
import type { Logger } from 'pino';
import type { ClaimedRecipient, QueuedMessage, RecipientKind, SpoolQueue } from '../spool/index.js';
import type { SuppressionReason, SuppressionsRepository } from '../store/repositories/suppressions.js';
import type { Metrics } from '../metrics.js';
import type { BounceNoticeDeps } from './bounce-notice.js';
import type { EventRecorder } from './event-recorder.js';
import { needsOwnCopies, ownCopies, sameCopy, type CopyDeps } from './message-copies.js';
import type { MessageContext, MessageContexts } from './message-context.js';
import { PRIVATE_DESTINATION_REASON } from './destination-policy.js';
import type { OutboundDelivery } from './outbound.js';
import { nextAttempt, type RetryPolicy } from './retry-policy.js';
import { recordOutcomes, type Decided } from './job-outcomes.js';
import { formatReply } from './smtp-reply.js';
import type { RecipientResult } from './types.js';
import { signedSource, type OutgoingAuth } from '../sender-domains/outgoing.js';

/** The recipients of one message at one domain, of one kind (audit copies travel apart). */
export interface DeliveryGroup {
  message: QueuedMessage;
  kind: RecipientKind;
  domain: string;
  recipients: ClaimedRecipient[];
  /** The suppression list for these recipients, when the worker read it for a whole batch at once. */
  suppressions?: Promise<Map<string, SuppressionReason> | null>;
}

export interface JobDeps extends CopyDeps, BounceNoticeDeps {
  queue: Pick<SpoolQueue, 'openBody' | 'recordAttempts'>;
  delivery: Pick<OutboundDelivery, 'deliverToDomain' | 'refusesDestination'>;
  suppressions: Pick<SuppressionsRepository, 'check' | 'add'>;
  events: EventRecorder;
  retryPolicy: RetryPolicy;
  contexts: MessageContexts;
  logger: Logger;
  metrics?: Pick<Metrics, 'deliveryRecipients' | 'deliveryAttemptSeconds'>;
  /** Sender domains (SPEC §5): DKIM signing, VERP envelope, tracking host. Absent: none apply. */
  outgoing?: Pick<OutgoingAuth, 'plan'>;
}

/** Set by a worker that stopped waiting for this job: whatever it learns is no longer written. */
export interface JobControl {
  abandoned: boolean;
}

/** A result Petrel decides itself, without a server (suppression list unreadable…). */
function localResult(recipient: string, enhancedCode: string, text: string): RecipientResult {
  return {
    recipient,
    outcome: enhancedCode.startsWith('5.') ? 'bounced' : 'deferred',
    code: null,
    enhancedCode,
    text,
    stage: 'config',
    host: null,
    remoteAddress: null,
    localAddress: null,
    tls: false,
    rule: null,
  };
}

/**
 * Which recipients the sender's suppression list rules out, and why (keys in lower case); null when the
 * list cannot be read.
 */
export async function checkSuppressions(
  deps: Pick<JobDeps, 'suppressions' | 'logger'>,
  accountId: string,
  username: string,
  addresses: string[],
): Promise<Map<string, SuppressionReason> | null> {
  try {
    return await deps.suppressions.check(accountId, username, addresses);
  } catch (err) {
    deps.logger.error({ err, accountId }, 'delivery: the suppression list could not be read');
    return null;
  }
}

export async function runDeliveryJob(
  deps: JobDeps,
  group: DeliveryGroup,
  control: JobControl,
): Promise<void> {
  const context = deps.contexts.acquire(group.message.id);
  try {
    await deliver(deps, group, context, control);
  } finally {
    context.release();
  }
}

async function deliver(
  deps: JobDeps,
  group: DeliveryGroup,
  context: MessageContext,
  control: JobControl,
): Promise<void> {
  const { message, kind } = group;
  // The sender's own recipients: suppression list, events and bounces apply. Not to audit copies
  // (the account's own copies) nor to Petrel's bounces (settings null).
  const senders = kind === 'recipient' && message.settings !== null;
  const decided: Decided[] = [];
  let toSend = group.recipients;

  // An address literal of a loopback, private, link-local or own address (SPEC §10): never sent.
  if (deps.delivery.refusesDestination(group.domain)) {
    for (const row of toSend) decided.push({ row, kind: 'refused', reason: PRIVATE_DESTINATION_REASON });
    toSend = [];
  }

  if (senders && toSend.length > 0) {
    const suppressed = await (group.suppressions ??
      checkSuppressions(
        deps,
        message.accountId,
        message.username,
        toSend.map((r) => r.address),
      ));
    if (suppressed === null) {
      const text = 'the suppression list could not be read';
      for (const row of toSend)
        decided.push(retryOrGiveUp(deps, row, localResult(row.address, '4.3.0', text)));
      toSend = [];
    } else {
      for (const row of toSend) {
        const reason = suppressed.get(row.address.toLowerCase());
        if (reason !== undefined) decided.push({ row, kind: 'suppressed', reason });
      }
      toSend = toSend.filter((row) => !suppressed.has(row.address.toLowerCase()));
    }
  }

  if (toSend.length > 0) {
    const settings = message.settings;
    const plan = deps.outgoing ? await deps.outgoing.plan(message, kind, await context.headers()) : null;
    const copyDeps = plan?.publicUrl ? { ...deps, publicUrl: plan.publicUrl } : deps;
    let source =
      settings !== null && needsOwnCopies(settings, kind)
        ? ownCopies(copyDeps, message, settings, await context.outline())
        : sameCopy(deps, message);
    // Signed last, over the bytes each recipient receives (SPEC §5).
    if (plan && plan.keys.length > 0) source = signedSource(source, plan.keys);
    const started = process.hrtime.bigint();
    const results = await deps.delivery.deliverToDomain({
      domain: group.domain,
      mailFrom: message.mailFrom,
      ...(plan?.mailFromFor ? { mailFromFor: plan.mailFromFor } : {}),
      recipients: toSend.map((r) => r.address),
      message: source,
      ipPool: settings?.ip_pool ?? null,
      messageId: message.id,
    });
    deps.metrics?.deliveryAttemptSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    toSend.forEach((row, i) => {
      const result = results[i] as RecipientResult;
      if (result.outcome === 'delivered') decided.push({ row, kind: 'delivered', result });
      else if (result.outcome === 'bounced') decided.push({ row, kind: 'bounced', result });
      else decided.push(retryOrGiveUp(deps, row, result));
    });
  }
  if (control.abandoned) return;
  await recordOutcomes(deps, { message, senders, audit: kind === 'audit', decided, context });
}

/** A temporary failure: the next try, or — once the message is too old — a bounce. */
function retryOrGiveUp(deps: JobDeps, row: ClaimedRecipient, result: RecipientResult): Decided {
  const now = Date.now();
  const decision = nextAttempt(deps.retryPolicy, {
    arrivedAt: row.message.receivedAt,
    failedAttempts: row.attempts + 1,
    now,
  });
  if (decision.kind === 'retry') return { row, kind: 'deferred', result, at: decision.at };
  deps.logger.warn(
    { messageId: row.messageId, recipient: row.address, attempts: row.attempts + 1 },
    `delivery: giving up after ${row.attempts + 1} attempts: ${formatReply(result)}`,
  );
  return { row, kind: 'expired', result };
}
