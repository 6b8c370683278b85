// Sends the delivery status notification for recipients that bounced (SPEC §3.4): routed by the
// sender's bounce_notifications, built by dsn.ts, and put into the spool like any accepted message, so a
// bounce is durable and retried like other mail. Sent from <> so that it can never bounce in turn.
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { QueuedMessage, Spool } from '../spool/index.js';
import { buildDsn, dsnRecipientFrom, type DsnRecipient } from './dsn.js';
import { bounceNotificationRecipient } from './dsn-routing.js';
import type { EventRecorder } from './event-recorder.js';
import { subjectOf } from './header-block.js';
import type { RecipientResult } from './types.js';

export interface BounceNoticeDeps {
  spool: Pick<Spool, 'accept'>;
  /** Reporting-MTA and the mailer-daemon address (config.hostname). */
  hostname: string;
  logger: Logger;
  /** Where the `dsn-sent` activity event goes (SPEC §9); absent: none is recorded. */
  events?: Pick<EventRecorder, 'add'>;
}

// Far above any DSN (its quoted headers are capped at 64 KiB); only there so accept() has a bound.
const MAX_NOTICE_BYTES = 1024 * 1024;

/**
 * Spools one notification for `failed` (recipients of `message` that bounced or expired), or none when
 * the routing says so. Resolves to the notification's message id, or null when none was sent.
 */
export async function sendBounceNotice(
  deps: BounceNoticeDeps,
  message: QueuedMessage,
  headers: string,
  failed: readonly RecipientResult[],
  now: Date = new Date(),
): Promise<string | null> {
  const recipients = failed.map((r) => dsnRecipientFrom(r, 'failed', { lastAttemptAt: now }));
  return sendDeliveryNotice(deps, message, headers, recipients, now);
}

/**
 * Spools one DSN about `recipients` of `message` (failed or delayed, SPEC §3.4 and §9), routed by the
 * sender's bounce_notifications; resolves to its message id, or null when none is sent.
 */
export async function sendDeliveryNotice(
  deps: BounceNoticeDeps,
  message: QueuedMessage,
  headers: string,
  recipients: readonly DsnRecipient[],
  now: Date = new Date(),
): Promise<string | null> {
  // Petrel's own messages (settings null) are themselves bounces: they have the null sender anyway.
  if (recipients.length === 0 || message.settings === null) return null;
  const to = bounceNotificationRecipient({
    bounceNotifications: message.settings.bounce_notifications,
    mailFrom: message.mailFrom,
    headers,
  });
  if (to === null) return null;
  const dsn = buildDsn({
    reportingMta: deps.hostname,
    to,
    arrivalDate: new Date(message.receivedAt),
    queueId: message.id,
    recipients,
    originalHeaders: headers,
    now,
  });
  const accepted = await deps.spool.accept(
    {
      mailFrom: '',
      recipients: [to],
      auditRecipients: [],
      sandbox: false,
      // Whose bounce it is, for `petrel queue` and the logs; no settings: it is Petrel's own message.
      senderKind: message.senderKind,
      username: message.username,
      accountId: message.accountId,
      clientAddress: '127.0.0.1',
      clientHelo: deps.hostname,
      tls: false,
      authenticated: false,
    },
    Readable.from([Buffer.from(dsn, 'utf8')]),
    { maxBytes: MAX_NOTICE_BYTES },
  );
  deps.events?.add([
    {
      accountId: message.accountId,
      event: 'dsn-sent',
      date: now,
      emailId: message.id,
      username: message.username,
      sender: message.mailFrom,
      recipient: to,
      subject: subjectOf(headers),
      reason: recipients[0]?.action ?? 'failed',
    },
  ]);
  deps.logger.info(
    { messageId: message.id, dsn: accepted.id, recipients: recipients.length, action: recipients[0]?.action },
    'delivery: delivery status notification queued',
  );
  return accepted.id;
}
