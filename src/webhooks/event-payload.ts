// From a recorded activity event to an SMTP2GO webhook event (SPEC §7): Petrel's event names map onto
// SMTP2GO's nine, and the payload carries SMTP2GO's field names. Rules as data, tested without a server.
import { isSortableId, sortableIdTime } from '../security/sortable-id.js';
import type { EventRow } from '../store/repositories/events.js';

/** The events a webhook may subscribe to, in SMTP2GO's words. */
export const WEBHOOK_EVENTS = [
  'processed',
  'delivered',
  'open',
  'click',
  'bounce',
  'spam',
  'unsubscribe',
  'resubscribe',
  'reject',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Petrel's event name → the webhook event, and for bounces which kind. */
const EVENT_MAP: Record<string, { event: WebhookEvent; bounce?: 'hard' | 'soft' }> = {
  processed: { event: 'processed' },
  delivered: { event: 'delivered' },
  'soft-bounced': { event: 'bounce', bounce: 'soft' },
  'hard-bounced': { event: 'bounce', bounce: 'hard' },
  rejected: { event: 'reject' },
  spam: { event: 'spam' },
  opened: { event: 'open' },
  clicked: { event: 'click' },
  unsubscribed: { event: 'unsubscribe' },
  resubscribed: { event: 'resubscribe' },
};

export function webhookEventOf(petrelEvent: string): WebhookEvent | null {
  return EVENT_MAP[petrelEvent]?.event ?? null;
}

/** The payload fields; a value is left out where it does not apply to the event. */
export type WebhookPayload = Record<string, string | number | string[]>;

/** The payload of one event (the fields SMTP2GO's webhooks send). */
export function payloadOf(row: EventRow): WebhookPayload | null {
  const mapped = EVENT_MAP[row.event];
  if (!mapped) return null;
  const sendtime = isSortableId(row.email_id)
    ? new Date(sortableIdTime(row.email_id)).toISOString()
    : row.date;
  const payload: WebhookPayload = {
    event: mapped.event,
    time: row.date,
    sendtime,
    email_id: row.email_id,
    sender: row.sender,
    from: row.sender,
    rcpt: row.recipient,
    recipients: [row.recipient],
    auth: row.username,
    subject: row.subject,
  };
  if (row.host) payload.host = row.host;
  if (mapped.bounce) payload.bounce = mapped.bounce;
  const message = row.smtp_response ?? row.reason;
  if (message) payload.message = message;
  if (row.reason && row.smtp_response) payload.context = row.reason;
  if (row.url) payload.url = row.url;
  if (row.user_agent) payload['user-agent'] = row.user_agent;
  if (mapped.event === 'open' || mapped.event === 'click') {
    // How long after sending the recipient read (opened) the message.
    payload['read-secs'] = Math.max(0, Math.round((Date.parse(row.date) - Date.parse(sendtime)) / 1000));
  }
  return payload;
}

/** The request body in the webhook's format: JSON, or form-encoded (lists as repeated keys). */
export function encodeBody(
  payload: WebhookPayload,
  format: 'json' | 'form',
): {
  body: string;
  contentType: string;
} {
  if (format === 'json') return { body: JSON.stringify(payload), contentType: 'application/json' };
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(payload)) {
    if (Array.isArray(value)) for (const v of value) form.append(key, v);
    else form.append(key, String(value));
  }
  return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
}
