// Who receives the notification when a message bounces (SPEC §3.4), as pure rules: the user's
// bounce_notifications says "from" (the envelope sender), "drop" (nobody) or an address; never for a
// message with the null sender, and never for a message that is itself a bounce.
import { headerValue } from './header-block.js';

export interface BounceRoutingInput {
  /** The sender's bounce_notifications setting: "from", "drop" or one email address. */
  bounceNotifications: string;
  /** The original envelope sender; '' for MAIL FROM:<>. */
  mailFrom: string;
  /** The original message's header block, to recognise a delivery report that failed in turn. */
  headers: string;
}

/** The address to send the DSN to, or null when none is sent. */
export function bounceNotificationRecipient(input: BounceRoutingInput): string | null {
  // RFC 5321 §4.5.5 / §6.1: notifications go to the reverse path; a null reverse path means "do not
  // notify", which is also what stops a bounce from bouncing (Petrel sends its DSNs from <>).
  if (input.mailFrom === '') return null;
  if (isDeliveryReport(input.headers)) return null;
  const setting = input.bounceNotifications.trim();
  if (setting === 'drop') return null;
  if (setting === 'from' || setting === '') return input.mailFrom;
  return setting;
}

/** Whether the headers are those of a delivery status notification (multipart/report; delivery-status). */
export function isDeliveryReport(headers: string): boolean {
  const contentType = headerValue(headers, 'content-type');
  if (contentType === null) return false;
  return (
    /^\s*multipart\/report\b/i.test(contentType) &&
    /;\s*report-type\s*=\s*"?delivery-status"?(?:\s*;|\s*$)/i.test(contentType)
  );
}
