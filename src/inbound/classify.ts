// What a returned message means for the one delivery its VERP address names (SPEC §6): a hard or soft
// bounce, a spam complaint, or nothing (an auto-reply, a success report, anything unrecognised). Pure.
import { TEMPORARY_5XX_RULES } from '../delivery/bounce-rules.js';
import {
  AUTO_REPLY_SUBJECTS,
  BOUNCE_PHRASE_RULES,
  BOUNCE_SENDERS,
  BOUNCE_SUBJECTS,
  RETURNED_COPY_MARKERS,
  firstMatch,
} from './bounce-phrases.js';
import type { DeliveryStatusReport, FeedbackReport, OtherMessage, ParsedMessage } from './parse-report.js';
import { addressValue, field, typedValue, type FieldGroup } from './report-fields.js';

export type InboundEventName = 'hard-bounced' | 'soft-bounced' | 'spam';

export interface InboundOutcome {
  event: InboundEventName;
  /** RFC 3463 status ("5.1.1"), when the report gave one. */
  status: string | null;
  /** The remote server's words: the Diagnostic-Code without its type, or the reply line of a bounce. */
  smtpResponse: string | null;
  /** The server that refused (Remote-MTA), when known. */
  host: string | null;
  /** The event's reason: the ARF feedback type of a complaint ("abuse"); null for bounces. */
  reason: string | null;
  /** For logs: the rule that read a non-standard bounce, when one did. */
  rule: string | null;
  /** Which kind of message it was read from. */
  source: 'dsn' | 'arf' | 'non-standard';
}

export interface Ignored {
  event: null;
  why: 'auto-reply' | 'success-report' | 'not-a-complaint' | 'unrecognised';
}

/** ARF feedback types that are complaints about the mail (RFC 5965 §7.3, RFC 6591 auth-failure is not). */
const COMPLAINT_TYPES = new Set(['abuse', 'fraud', 'virus', 'other']);

const STATUS = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])/;
const REPLY_WITH_STATUS = /(?<![\d.])([245]\d\d)[ -]#?([245]\.\d{1,3}\.\d{1,3})(?![\d.])/;
const BARE_REPLY = /(?:^|[:>]\s+|said:\s*)([45]\d\d)[ -](?=[A-Za-z<'"(])/m;
const REMOTE_HOST = /\bhost\s+([a-z0-9-]+(?:\.[a-z0-9-]+)+)\.?(?:\s*\[[^\]]*\])?/i;
const MAX_RESPONSE_CHARS = 900;

export function classifyReturned(message: ParsedMessage, recipient: string): InboundOutcome | Ignored {
  switch (message.kind) {
    case 'delivery-status':
      return classifyDsn(message, recipient);
    case 'feedback':
      return classifyFeedback(message);
    default:
      return classifyOther(message);
  }
}

/** The recipient's group: the one naming it, else the only or first failed one. */
function groupFor(report: DeliveryStatusReport, recipient: string): FieldGroup | null {
  const wanted = recipient.toLowerCase();
  const named = report.recipients.find(
    (g) =>
      addressValue(field(g, 'final-recipient')) === wanted ||
      addressValue(field(g, 'original-recipient')) === wanted,
  );
  if (named) return named;
  // A forwarding or rewriting server may name the mailbox it tried, not the one Petrel sent to: the
  // VERP address already says which delivery this is.
  return (
    report.recipients.find((g) => /^(failed|delayed)$/i.test(field(g, 'action') ?? '')) ??
    report.recipients[0] ??
    null
  );
}

function statusOf(text: string | null): string | null {
  if (text === null) return null;
  const m = STATUS.exec(text);
  return m ? `${m[1]}.${Number(m[2])}.${Number(m[3])}` : null;
}

/** `dns; mx.example. (192.0.2.1, the server for…)` → `mx.example`: the name as written, no comments. */
function hostOf(value: string | null): string | null {
  const bare = typedValue(value);
  if (bare === null) return null;
  const name = bare
    .replace(/\([^)]*\)/g, ' ')
    .trim()
    .split(/\s+/)[0]
    ?.replace(/\.$/, '');
  return name ? name.slice(0, 255) : null;
}

function oneLine(text: string | null): string | null {
  if (text === null) return null;
  const line = text.replace(/\s+/g, ' ').trim().slice(0, MAX_RESPONSE_CHARS);
  return line === '' ? null : line;
}

function classifyDsn(report: DeliveryStatusReport, recipient: string): InboundOutcome | Ignored {
  const group = groupFor(report, recipient);
  if (!group) return { event: null, why: 'unrecognised' };
  const action = (field(group, 'action') ?? '').toLowerCase().trim();
  const diagnostic = oneLine(typedValue(field(group, 'diagnostic-code')));
  const status = statusOf(field(group, 'status')) ?? statusOf(diagnostic);
  if (action === 'delivered' || action === 'relayed' || action === 'expanded' || status?.startsWith('2.'))
    return { event: null, why: 'success-report' };
  // Remote-MTA names the server that refused; a report without one was written by the refusing server.
  const host = hostOf(field(group, 'remote-mta')) ?? hostOf(field(report.perMessage, 'reporting-mta'));
  // RFC 3464: failed with a permanent status is a hard bounce; delayed, or a temporary status, is soft.
  const hard = action !== 'delayed' && (status === null || status.startsWith('5.'));
  return {
    event: hard ? 'hard-bounced' : 'soft-bounced',
    status,
    smtpResponse: diagnostic ?? status,
    host,
    reason: null,
    rule: null,
    source: 'dsn',
  };
}

function classifyFeedback(report: FeedbackReport): InboundOutcome | Ignored {
  // A report without a Feedback-Type is still a complaint: RFC 5965 makes it required, senders forget it.
  const type = (field(report.fields, 'feedback-type') ?? 'abuse').toLowerCase().trim();
  if (!COMPLAINT_TYPES.has(type)) return { event: null, why: 'not-a-complaint' };
  return {
    event: 'spam',
    status: null,
    smtpResponse: null,
    host: hostOf(field(report.fields, 'reporting-mta')),
    reason: type,
    rule: null,
    source: 'arf',
  };
}

/** The bounce's own words: everything before the copy of the returned message. */
function ownWords(text: string): string {
  let end = text.length;
  for (const marker of RETURNED_COPY_MARKERS) {
    const m = marker.pattern.exec(text);
    if (m && m.index < end) end = m.index;
  }
  return text.slice(0, end);
}

function isAutoReply(message: OtherMessage): boolean {
  if (message.headers.has('x-autoreply') || message.headers.has('x-autorespond')) return true;
  if (/^\s*auto[_-]reply\b/i.test(message.headers.get('precedence') ?? '')) return true;
  return firstMatch(AUTO_REPLY_SUBJECTS, message.subject) !== null;
}

function looksLikeBounce(message: OtherMessage): boolean {
  return (
    firstMatch(BOUNCE_SENDERS, message.from) !== null ||
    firstMatch(BOUNCE_SENDERS, message.fromName) !== null ||
    firstMatch(BOUNCE_SUBJECTS, message.subject) !== null
  );
}

/** From `index` to the end of its line. */
function restOfLine(text: string, index: number): string {
  const end = text.indexOf('\n', index);
  return text.slice(index, end < 0 ? text.length : end);
}

/** The line holding `index`, trimmed. */
function lineAt(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end < 0 ? text.length : end).trim();
}

function classifyOther(message: OtherMessage): InboundOutcome | Ignored {
  // Vacation notices come from a person's mailbox; Exim's bounces carry Auto-Submitted too, so the
  // markers of a bounce (its sender or subject) decide first, unless the message says it is a reply.
  if (isAutoReply(message) || !looksLikeBounce(message)) {
    const auto = isAutoReply(message) || (message.headers.get('auto-submitted') ?? 'no') !== 'no';
    return { event: null, why: auto ? 'auto-reply' : 'unrecognised' };
  }
  const words = ownWords(message.text);
  const host = REMOTE_HOST.exec(words)?.[1] ?? null;
  const base = { host, reason: null, source: 'non-standard' as const };

  const withStatus = REPLY_WITH_STATUS.exec(words);
  const statusOnly = withStatus ? null : STATUS.exec(words);
  const bare = withStatus || statusOnly ? null : BARE_REPLY.exec(words);
  const found = withStatus ?? statusOnly ?? bare;
  if (found) {
    // A reply ("550 5.1.1 …") is quoted from its code on; a lone status ("(#5.1.1)") with its line.
    const codeAt = found.index + found[0].indexOf(found[1] ?? '');
    const line =
      oneLine(withStatus || bare ? restOfLine(words, codeAt) : lineAt(words, found.index)) ?? found[0];
    const status = statusOf(found[0]);
    const replyClass = (status ?? found[1] ?? '5').charAt(0);
    // A 5xx that is temporary in practice (mailbox full, greylisting…) is read as delivery reads it.
    const asReply = withStatus || bare ? line : `${replyClass}50 ${status ?? `${replyClass}.0.0`} ${line}`;
    const temporary = replyClass === '5' ? TEMPORARY_5XX_RULES.find((r) => r.pattern.test(asReply)) : null;
    const hard = replyClass === '5' && !temporary;
    return {
      ...base,
      event: hard ? 'hard-bounced' : 'soft-bounced',
      status,
      smtpResponse: line,
      rule: temporary ? temporary.name : 'status-code',
    };
  }
  const rule = firstMatch(BOUNCE_PHRASE_RULES, words);
  return {
    ...base,
    event: rule?.outcome === 'hard' ? 'hard-bounced' : 'soft-bounced',
    status: null,
    smtpResponse: rule ? oneLine(lineAt(words, words.search(rule.pattern))) : null,
    rule: rule?.name ?? 'unrecognised-bounce',
  };
}
