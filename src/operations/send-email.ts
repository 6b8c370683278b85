// Sending through the HTTP API (SPEC §1.7): the calling key's own settings play the SMTP user's part, the
// same sending policy applies (status, closed subaccount, rate limit per recipient, monthly limit), and the
// message goes into the same durable spool as SMTP mail. Recipients over a limit are reported in
// `failures` of a 200 answer, as SMTP2GO does, while the others are sent.
import { notVerifiedText } from '../sender-domains/sender-policy.js';
import type { Readable } from 'node:stream';
import {
  apiKeyInvalid,
  fieldError,
  internalError,
  messageTooLarge,
  sendingAccountClosed,
  sendingBlocked,
  ValidationError,
} from '../domain/errors.js';
import type { SendEmailBody, SendMimeBody, SendResult } from '../domain/schemas/email.js';
import { MessageTooLargeError, SpoolFullError, type Spool } from '../spool/types.js';
import type { ApiKeyRecord } from '../store/repositories/api-keys.js';
import type { Reservation } from '../store/repositories/sending-limits.js';
import { scheduleTime } from '../domain/schedule-time.js';
import { composeEmail } from './compose-email.js';
import { holdSchedule, withScheduleHeader, type HeldSchedule } from './schedule-email.js';
import { renderSendTemplate } from './templates.js';
import { actingAccount, type Caller, type OperationsDeps } from './context.js';
import { readRawMessage } from './raw-message.js';
import {
  checkMessageAddresses,
  MIME_FIELDS,
  sendBodyFields,
  type AddressFields,
} from './message-restrictions.js';
import {
  apiKeyLimiterKey,
  checkSender,
  recipientWeight,
  releaseRecipients,
  reserveRecipient,
  type LimitExceeded,
  type SenderPolicy,
} from './sending-policy.js';

/** A message ready to be sent: its envelope, and its bytes on demand. */
export interface OutgoingMessage {
  mailFrom: string;
  /** Envelope recipients, each once, in the order the request gave them. */
  recipients: string[];
  open(): Readable;
  /** The Subject as given (kept in the index of scheduled emails). */
  subject?: string;
}

export interface SendContext {
  deps: OperationsDeps;
  spool: Spool;
  caller: Caller;
  /** The HTTP client, for the Received header. */
  client: { address: string; tls: boolean };
  maxMessageBytes: number;
  /** This node's name (PETREL_HOSTNAME): the node whose spool holds what it schedules. */
  node?: string;
}

type SendOptions = Pick<SendEmailBody, 'subaccount_id' | 'schedule'>;

export async function sendEmail(ctx: SendContext, body: SendEmailBody): Promise<SendResult> {
  const at = scheduleTime(body.schedule, Date.now());
  const full = await withTemplate(ctx, body);
  return send(ctx, body, { ...composeEmail(full), subject: full.subject }, sendBodyFields(body), at);
}

/** The request with its template (if it names one) rendered into subject, html_body and text_body. */
async function withTemplate(
  ctx: SendContext,
  body: SendEmailBody,
): Promise<SendEmailBody & { subject: string }> {
  if (body.template_id === undefined || body.template_id === null || body.template_id === '') {
    if (body.subject === undefined)
      throw fieldError('subject', 'is required unless template_id names a template');
    return { ...body, subject: body.subject };
  }
  const account = await actingAccount(ctx.deps, ctx.caller, body.subaccount_id);
  const parts = await renderSendTemplate(ctx.deps, account.id, body.template_id, body.template_data);
  return { ...body, ...parts };
}

export async function sendMime(ctx: SendContext, body: SendMimeBody): Promise<SendResult> {
  const at = scheduleTime(body.schedule, Date.now());
  return send(ctx, body, readRawMessage(body.mime_email), MIME_FIELDS, at);
}

/** The calling key as stored now: its settings may have changed since it authenticated this request. */
async function callingKey(ctx: SendContext): Promise<ApiKeyRecord> {
  const { keyId, accountId } = ctx.caller;
  const key = keyId === null ? undefined : await ctx.deps.repos.apiKeys.findInAccount(accountId, keyId);
  if (!key) throw apiKeyInvalid();
  return key;
}

function limitFailure(address: string, exceeded: LimitExceeded, keyId: string, sender: SenderPolicy): string {
  if (exceeded === 'rate' && sender.rate) {
    const { limit, period } = sender.rate;
    return `${address}: rate limit exceeded for API key '${keyId}' (${limit} per ${period}); try again later`;
  }
  return `${address}: monthly limit of ${sender.monthlyLimit ?? 0} emails reached for this account; try again next month`;
}

async function send(
  ctx: SendContext,
  options: SendOptions,
  message: OutgoingMessage,
  fields: AddressFields,
  scheduleAt: number | undefined,
): Promise<SendResult> {
  const { deps } = ctx;
  const key = await callingKey(ctx);
  const account = await actingAccount(deps, ctx.caller, options.subaccount_id);
  const policy = deps.senderDomains?.policy;
  if (policy && !(await policy.allows(account.id, message.mailFrom)))
    throw new ValidationError('sender', notVerifiedText(message.mailFrom));
  const decision = await checkSender(deps.repos.accounts, {
    limiterKey: apiKeyLimiterKey(key.id),
    accountId: account.id,
    settings: key.settings,
  });
  if (!decision.ok) {
    throw decision.refused === 'blocked' ? sendingBlocked(key.id) : sendingAccountClosed(account.id);
  }
  const sender = decision.sender;
  await checkMessageAddresses(deps.repos, account.id, message, fields);
  const limits = deps.repos.sendingLimits;

  const accepted: string[] = [];
  const failures: string[] = [];
  const reservations: Reservation[] = [];
  let schedule: HeldSchedule | undefined;
  try {
    for (const address of message.recipients) {
      // The audit copies ride with the first recipient accepted: refused with it, counted with it.
      const weight = recipientWeight(sender, accepted.length === 0);
      const result = await reserveRecipient(limits, sender, Date.now(), weight);
      if (!result.ok) {
        failures.push(limitFailure(address, result.exceeded, key.id, sender));
        continue;
      }
      accepted.push(address);
      if (result.reservation) reservations.push(result.reservation);
    }
    if (accepted.length === 0) return { succeeded: 0, failed: failures.length, failures, email_id: null };

    if (scheduleAt !== undefined) {
      schedule = await holdSchedule(deps, {
        accountId: account.id,
        at: scheduleAt,
        sender: message.mailFrom,
        subject: message.subject ?? '',
        recipients: accepted,
        clientIp: ctx.client.address,
        node: ctx.node ?? '',
      });
    }
    const stored = await ctx.spool.accept(
      {
        mailFrom: message.mailFrom,
        recipients: accepted,
        auditRecipients: sender.auditRecipients,
        sandbox: sender.sandbox,
        senderKind: 'api',
        username: key.id,
        accountId: account.id,
        clientAddress: ctx.client.address,
        clientHelo: '',
        tls: ctx.client.tls,
        authenticated: true,
        settings: sender.settings,
        ...(schedule ? { schedule } : {}),
      },
      schedule ? withScheduleHeader(schedule.id, message.open()) : message.open(),
      { maxBytes: ctx.maxMessageBytes },
    );
    deps.logger.info(
      {
        id: stored.id,
        key: key.keyPrefix,
        account: account.id,
        recipients: accepted.length,
        refused: failures.length || undefined,
        size: stored.size,
        sandbox: sender.sandbox || undefined,
        schedule: schedule ? { id: schedule.id, at: new Date(schedule.at).toISOString() } : undefined,
      },
      schedule
        ? 'message accepted through the API, held until its schedule'
        : 'message accepted through the API',
    );
    const result = { succeeded: accepted.length, failed: failures.length, failures, email_id: stored.id };
    return schedule ? { ...result, schedule_id: schedule.id } : result;
  } catch (err) {
    // Nothing was stored: what was counted against the limits is given back, the schedule forgotten.
    if (schedule) {
      const id = schedule.id;
      await deps.repos.scheduledEmails
        .forget(id)
        .catch((forgetErr: unknown) =>
          deps.logger.warn(
            { err: forgetErr, schedule: id },
            'could not forget the schedule of an unsent message',
          ),
        );
    }
    await releaseRecipients(limits, reservations).catch((releaseErr: unknown) =>
      deps.logger.warn({ err: releaseErr }, 'could not give back the counts of an unsent API message'),
    );
    if (err instanceof MessageTooLargeError) throw messageTooLarge(err.limitBytes);
    if (err instanceof SpoolFullError) {
      deps.logger.error('spool is out of disk space; refusing messages sent through the API');
      throw internalError();
    }
    throw err;
  }
}
