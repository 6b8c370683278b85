// Reads a message that came back to a VERP address with a maintained MIME parser (postal-mime) into what
// the classifier needs (SPEC §6): the per-recipient fields of an RFC 3464 delivery report, the fields of
// an RFC 5965 feedback report, or, for anything else, the text and the markers of a bounce or auto-reply.
import PostalMime, { type Attachment, type Email } from 'postal-mime';
import { parseFieldGroups, type FieldGroup } from './report-fields.js';

export interface DeliveryStatusReport {
  kind: 'delivery-status';
  /** The per-message group (Reporting-MTA, Arrival-Date…). */
  perMessage: FieldGroup;
  /** One group per recipient (Final-Recipient, Action, Status, Diagnostic-Code, Remote-MTA…). */
  recipients: FieldGroup[];
  originalHeaders: string | null;
}

export interface FeedbackReport {
  kind: 'feedback';
  fields: FieldGroup;
  originalHeaders: string | null;
}

export interface OtherMessage {
  kind: 'other';
  from: string;
  fromName: string;
  subject: string;
  /** Lower-cased header names to their first value (only the few the classifier reads). */
  headers: Map<string, string>;
  /** The readable text (text part, or the HTML's text), bounded. */
  text: string;
  originalHeaders: string | null;
}

export type ParsedMessage = DeliveryStatusReport | FeedbackReport | OtherMessage;

/** Parser limits well above any real report; the listener has already capped the size at 10 MiB. */
const PARSE_LIMITS = {
  attachmentEncoding: 'utf8',
  // The returned message is evidence, not content: kept whole as a part, never inlined.
  forceRfc822Attachments: true,
  maxNestingDepth: 32,
  maxPartCount: 500,
  maxHeadersSize: 1024 * 1024,
  maxRfc822NestingDepth: 0,
  maxForwardedAddresses: 100,
} as const;

/** Text the classifier looks at; a bounce says what it has to say near the top. */
const MAX_TEXT_CHARS = 64 * 1024;
/** Quoted original headers kept for the DSN to the sender (dsn.ts caps them again). */
const MAX_ORIGINAL_HEADER_CHARS = 64 * 1024;
const READ_HEADERS = [
  'auto-submitted',
  'precedence',
  'x-autoreply',
  'x-autorespond',
  'x-auto-response-suppress',
];

function contentOf(a: Attachment): string {
  if (typeof a.content === 'string') return a.content;
  return Buffer.from(a.content as ArrayBuffer).toString('utf8');
}

function partOf(email: Email, ...types: string[]): Attachment | undefined {
  return email.attachments.find((a) => types.includes(a.mimeType));
}

/** The header block of the returned message: a text/rfc822-headers part, or the top of a message/rfc822. */
function originalHeadersOf(email: Email): string | null {
  const headers = partOf(email, 'text/rfc822-headers', 'message/global-headers');
  const message = partOf(email, 'message/rfc822', 'message/global');
  const source = headers ? contentOf(headers) : message ? contentOf(message) : null;
  if (source === null) return null;
  const end = source.search(/\r?\n\r?\n/);
  const block = (end >= 0 ? source.slice(0, end) : source).slice(0, MAX_ORIGINAL_HEADER_CHARS);
  return block.trim() === '' ? null : block;
}

function htmlText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(?:p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export async function parseReturnedMessage(raw: Buffer): Promise<ParsedMessage> {
  const email = await PostalMime.parse(raw, PARSE_LIMITS);
  const originalHeaders = originalHeadersOf(email);

  // A report is recognised by its machine-readable part, whatever else it carries (Auto-Submitted…).
  const status = partOf(email, 'message/delivery-status', 'message/global-delivery-status');
  if (status) {
    const [perMessage = new Map<string, string[]>(), ...recipients] = parseFieldGroups(contentOf(status));
    return { kind: 'delivery-status', perMessage, recipients, originalHeaders };
  }
  const feedback = partOf(email, 'message/feedback-report');
  if (feedback) {
    const fields = parseFieldGroups(contentOf(feedback))[0] ?? new Map<string, string[]>();
    return { kind: 'feedback', fields, originalHeaders };
  }

  const headers = new Map<string, string>();
  for (const h of email.headers) {
    if (READ_HEADERS.includes(h.key) && !headers.has(h.key)) headers.set(h.key, h.value);
  }
  const from = email.from && 'address' in email.from ? email.from : null;
  const text = email.text ?? (email.html ? htmlText(email.html) : '');
  return {
    kind: 'other',
    from: from?.address ?? '',
    fromName: from?.name ?? '',
    subject: email.subject ?? '',
    headers,
    text: text.slice(0, MAX_TEXT_CHARS),
    originalHeaders,
  };
}
