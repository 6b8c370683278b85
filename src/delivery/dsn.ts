// Builds the delivery status notification of SPEC §3.4: an RFC 3464 multipart/report (report-type=
// delivery-status) from mailer-daemon@<hostname> with a human-readable part, the machine-readable
// message/delivery-status part and the original headers (text/rfc822-headers). Pure: returns the message.
import { randomBytes } from 'node:crypto';
import type { RecipientResult } from './types.js';

export interface DsnRecipient {
  recipient: string;
  action: 'failed' | 'delayed';
  /** RFC 3463 status, "5.1.1". */
  status: string;
  /** The MX that answered, when one did. */
  remoteMta: string | null;
  /** `smtp` for a server's reply ("550 5.1.1 …"), `x-petrel` for what happened locally (DNS, network). */
  diagnostic: { type: 'smtp' | 'x-petrel'; text: string } | null;
  lastAttemptAt?: Date;
  /** For `delayed`: when Petrel gives up. */
  willRetryUntil?: Date;
}

export interface DsnInput {
  /** The node's host name (config.hostname): Reporting-MTA and the From domain. */
  reportingMta: string;
  /** Who receives the notification (see dsn-routing.ts). */
  to: string;
  /** When the original message was accepted. */
  arrivalDate: Date;
  /** The original message's queue id, to find it in logs and the activity API. */
  queueId?: string;
  recipients: readonly DsnRecipient[];
  /** The original header block (everything before the first empty line). */
  originalHeaders: string;
  now?: Date;
  /** Random when absent; fixed in tests. */
  boundary?: string;
  messageId?: string;
}

/** At most this much of the original headers is quoted back. */
const MAX_HEADER_BYTES = 64 * 1024;
/** Diagnostic text is cut here, well under the 998-character line limit even before folding. */
const MAX_DIAGNOSTIC_CHARS = 900;

/** A result of outbound.ts as a DSN recipient entry. */
export function dsnRecipientFrom(
  result: RecipientResult,
  action: DsnRecipient['action'],
  extra: Pick<DsnRecipient, 'lastAttemptAt' | 'willRetryUntil'> = {},
): DsnRecipient {
  const serverSaid = result.code !== null;
  return {
    recipient: result.recipient,
    action,
    status: result.enhancedCode,
    remoteMta: result.host,
    diagnostic: serverSaid
      ? { type: 'smtp', text: `${result.code} ${result.enhancedCode} ${result.text}`.trim() }
      : { type: 'x-petrel', text: result.text },
    ...extra,
  };
}

export function buildDsn(input: DsnInput): string {
  const now = input.now ?? new Date();
  const boundary = input.boundary ?? `petrel-dsn-${randomBytes(12).toString('hex')}`;
  const messageId = input.messageId ?? `<dsn.${randomBytes(12).toString('hex')}@${input.reportingMta}>`;
  const failed = input.recipients.some((r) => r.action === 'failed');
  const headers = originalHeaderBlock(input.originalHeaders);
  const eightBit = /[^\p{ASCII}]/u.test(headers);

  const lines: string[] = [
    `From: Mail Delivery System <mailer-daemon@${input.reportingMta}>`,
    // Kept as given (an internationalised address stays readable); only what could break the header goes.
    `To: <${input.to.replace(/[\r\n<>]/g, '')}>`,
    `Subject: ${failed ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'}`,
    `Date: ${mailDate(now)}`,
    `Message-ID: ${messageId}`,
    // RFC 3834: an automatic message; well-behaved software will not answer it.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    'Content-Description: Notification',
    '',
    ...humanReadable(input, failed),
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    'Content-Description: Delivery report',
    '',
    ...deliveryStatus(input),
    `--${boundary}`,
    `Content-Type: text/rfc822-headers${eightBit ? '; charset=utf-8' : ''}`,
    ...(eightBit ? ['Content-Transfer-Encoding: 8bit'] : []),
    'Content-Description: Undelivered Message Headers',
    '',
  ];
  return `${lines.join('\r\n')}\r\n${headers}\r\n\r\n--${boundary}--\r\n`;
}

function humanReadable(input: DsnInput, failed: boolean): string[] {
  const lines = [`This is the mail system at host ${clean(input.reportingMta)}.`, ''];
  if (failed) {
    lines.push(
      "I'm sorry to have to inform you that your message could not be delivered to one or more",
      'recipients. Its headers are attached below.',
    );
  } else {
    lines.push(
      'Your message could not be delivered yet to one or more recipients. The mail system will keep',
      'trying; you do not need to send it again.',
    );
  }
  lines.push('');
  for (const r of input.recipients) {
    const where = r.remoteMta ? `host ${clean(r.remoteMta)} said: ` : '';
    const why = r.diagnostic ? clean(r.diagnostic.text).slice(0, MAX_DIAGNOSTIC_CHARS) : `status ${r.status}`;
    const state =
      r.action === 'failed' ? '' : ` (will retry until ${mailDate(r.willRetryUntil ?? new Date())})`;
    lines.push(...fold(`<${clean(r.recipient)}>: ${where}${why}${state}`, ''));
  }
  return lines;
}

function deliveryStatus(input: DsnInput): string[] {
  const lines = [`Reporting-MTA: dns; ${clean(input.reportingMta)}`];
  if (input.queueId) lines.push(`X-Petrel-Queue-ID: ${clean(input.queueId)}`);
  lines.push(`Arrival-Date: ${mailDate(input.arrivalDate)}`, '');
  for (const r of input.recipients) {
    lines.push(
      `Final-Recipient: ${addressField(r.recipient)}`,
      `Action: ${r.action}`,
      `Status: ${statusOf(r)}`,
    );
    if (r.remoteMta) lines.push(`Remote-MTA: dns; ${clean(r.remoteMta)}`);
    if (r.diagnostic) {
      const text = clean(r.diagnostic.text).slice(0, MAX_DIAGNOSTIC_CHARS);
      lines.push(...fold(`Diagnostic-Code: ${r.diagnostic.type}; ${text}`, ' '));
    }
    if (r.lastAttemptAt) lines.push(`Last-Attempt-Date: ${mailDate(r.lastAttemptAt)}`);
    if (r.action === 'delayed' && r.willRetryUntil)
      lines.push(`Will-Retry-Until: ${mailDate(r.willRetryUntil)}`);
    lines.push('');
  }
  return lines;
}

/** The status must agree with the action: a failure is 5.x.x, a delay 4.x.x (RFC 3464 §2.3.4). */
function statusOf(r: DsnRecipient): string {
  const m = /^[245]\.(\d{1,3})\.(\d{1,3})$/.exec(r.status);
  const rest = m ? `${m[1]}.${m[2]}` : '0.0';
  return `${r.action === 'failed' ? '5' : '4'}.${rest}`;
}

/** `rfc822; a@b`, or RFC 6533's `utf-8;` form with \x{HEX} escapes for an internationalised address. */
function addressField(address: string): string {
  if (/^[\x21-\x7e]+$/.test(address)) return `rfc822; ${address}`;
  const escaped = [...address]
    .map((ch) => {
      const cp = ch.codePointAt(0) ?? 0x3f;
      return cp > 0x20 && cp < 0x7f && ch !== '\\' ? ch : `\\x{${cp.toString(16).toUpperCase()}}`;
    })
    .join('');
  return `utf-8; ${escaped}`;
}

/** Text from a remote server or a user goes into header-like fields: one line of printable ASCII. */
function clean(s: string): string {
  return s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
}

/** Folds a long field at spaces so no line passes 78 characters where it can be helped. */
function fold(line: string, continuation: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > 78) {
      out.push(current);
      current = continuation + word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  out.push(current);
  return out;
}

/** The header block with CRLF line ends, cut at a line boundary if it is very large. */
function originalHeaderBlock(headers: string): string {
  let block = headers.replace(/\r?\n/g, '\r\n').replace(/(\r\n)+$/, '');
  if (Buffer.byteLength(block) > MAX_HEADER_BYTES) {
    block = Buffer.from(block).subarray(0, MAX_HEADER_BYTES).toString();
    block = block.slice(0, block.lastIndexOf('\r\n'));
  }
  // A line that is just "--<boundary>" cannot appear: header lines are "Name: value" or folded (start
  // with white space), and boundaries are random.
  return block;
}

/** RFC 5322 date-time in UTC. */
function mailDate(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}
