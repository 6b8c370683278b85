// From a recorded activity event to an SMTP2GO webhook event (SPEC §7): Petrel's event names map onto
// SMTP2GO's nine, and the payload carries SMTP2GO's field names. Rules as data, tested without a server.
import { isSortableId, sortableIdTime } from '../security/sortable-id.js';
import type { EventRow } from '../store/repositories/events.js';
import { pickHeaders } from '../delivery/message-facts.js';

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

/** Header values longer than this are cut in the payload (the whole block kept is 16 KiB at most). */
export const MAX_HEADER_VALUE_CHARS = 1000;

/**
 * Adds the message headers to a payload (SMTP2GO: "Subject and Message-id headers are sent by default",
 * plus the headers the webhook asks for): `message-id`, and each requested header under the name as the
 * webhook spells it. A header the message lacks is left out; a name that is already a payload field
 * (`subject`, `from`, …) keeps the field, so a header can never overwrite what Petrel reports.
 */
export function withMessageHeaders(
  payload: WebhookPayload,
  headerBlock: string | undefined,
  requested: readonly string[],
): WebhookPayload {
  if (headerBlock === undefined) return payload;
  const taken = new Set(Object.keys(payload).map((k) => k.toLowerCase()));
  const picked = pickHeaders(headerBlock, ['message-id', ...requested]);
  for (const [name, value] of Object.entries(picked)) {
    if (taken.has(name.toLowerCase())) continue;
    taken.add(name.toLowerCase());
    payload[name] = value.slice(0, MAX_HEADER_VALUE_CHARS);
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
