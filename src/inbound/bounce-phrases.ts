// How non-standard bounces (mail that is not an RFC 3464 report) are recognised and read (SPEC §6), as
// data: who a bounce comes from, what its Subject says, and the phrases that say "permanent" or
// "temporary" when no status code does. Add a row (with a real-shaped example) to teach it more; the
// tests check that each rule matches its own example.
//
// A reply code found in the text decides first (4xx / 4.x.x soft, 5xx / 5.x.x hard, with the delivery
// table of 5xx replies that are temporary in practice, src/delivery/bounce-rules.ts); the phrases only
// decide when there is no code. A bounce that says neither is recorded as soft: only a clear permanent
// failure may suppress an address.

export interface PhraseRule {
  name: string;
  pattern: RegExp;
  outcome: 'hard' | 'soft';
  example: string;
}

export interface MarkerRule {
  name: string;
  pattern: RegExp;
  example: string;
}

/** A From: address or display name that belongs to mail software, not a person. */
export const BOUNCE_SENDERS: readonly MarkerRule[] = [
  {
    name: 'mailer-daemon',
    pattern: /^(?:mailer-daemon|mail-daemon|mailerdaemon|postmaster|bounces?|mdaemon)@/i,
    example: 'MAILER-DAEMON@mx.example',
  },
  {
    name: 'delivery-system-name',
    pattern: /\bmail delivery (?:subsystem|system|service)\b|\bmicrosoft outlook\b|\bpostmaster\b/i,
    example: 'Mail Delivery Subsystem',
  },
];

/** Subjects that bounces carry. */
export const BOUNCE_SUBJECTS: readonly MarkerRule[] = [
  {
    name: 'undeliverable',
    pattern: /\bundeliver(?:able|ed)\b|\bnon-?delivery\b|\bnot (?:be )?delivered\b/i,
    example: 'Undeliverable: Your invoice',
  },
  {
    name: 'delivery-failure',
    pattern:
      /\bdelivery (?:status notification|failure|failed|has failed|problem|report)|\bmail delivery failed\b|\bfailure notice\b|\breturned mail\b|\bdelivery notification\b/i,
    example: 'Mail delivery failed: returning message to sender',
  },
];

/** Signs of an automatic reply from a person's mailbox (vacation, out of office): never a bounce. */
export const AUTO_REPLY_SUBJECTS: readonly MarkerRule[] = [
  {
    name: 'out-of-office',
    pattern:
      /^\s*(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|autoreply|out of (?:the )?office|on vacation|vacation|away from|abwesend|absence|r[ée]ponse automatique)\b/i,
    example: 'Out of Office: Your invoice',
  },
];

/** Where a bounce's own words end and the copy of the returned message begins. */
export const RETURNED_COPY_MARKERS: readonly MarkerRule[] = [
  {
    name: 'exim-copy',
    pattern: /^-+ This is a copy of the message/im,
    example: '------ This is a copy of the message, including all the headers. ------',
  },
  {
    name: 'qmail-copy',
    pattern: /^--- Below this line is a copy of the message/im,
    example: '--- Below this line is a copy of the message.',
  },
  {
    name: 'sendmail-transcript',
    pattern: /^-+ (?:Original message|Transcript of session follows|Returned mail follows) -+/im,
    example: '----- Original message -----',
  },
];

/** Phrases that decide when no reply code does; soft rules are tried first. */
export const BOUNCE_PHRASE_RULES: readonly PhraseRule[] = [
  {
    name: 'mailbox-full',
    pattern: /\b(?:mailbox|inbox|quota)\b[^.\n]{0,40}\b(?:full|exceeded)\b|\bover ?quota\b/i,
    outcome: 'soft',
    example: "The recipient's mailbox is full and can't accept messages now.",
  },
  {
    name: 'delayed',
    pattern:
      /\b(?:has been delayed|not (?:yet )?been delivered|will (?:keep trying|retry|continue to (?:try|attempt))|still trying|temporar(?:y|ily) (?:failure|error|unavailable|problem|deferred))\b/i,
    outcome: 'soft',
    example: 'Delivery to the following recipient has been delayed; the server will retry for 2 days.',
  },
  {
    name: 'no-such-user',
    pattern:
      /\b(?:user unknown|unknown user|no such (?:user|mailbox|recipient|address)|no mailbox here|mailbox (?:unavailable|not found|does not exist)|recipient (?:not found|unknown|address rejected)|address (?:rejected|does not exist|not found)|invalid (?:recipient|address|mailbox)|(?:account|mailbox|address|user) (?:has been )?(?:disabled|deactivated|suspended|closed)|does(?: not|n't) exist)\b/i,
    outcome: 'hard',
    example: 'Sorry, no mailbox here by that name.',
  },
  {
    name: 'permanent-error',
    pattern:
      /\b(?:permanent (?:error|failure|fatal errors?)|I've given up|could not be delivered to one or more|delivery has failed)\b/i,
    outcome: 'hard',
    example: "This is a permanent error; I've given up. Sorry it didn't work out.",
  },
];

/** Matches `rule` against the text, returning the first that does (in the table's order). */
export function firstMatch<R extends { pattern: RegExp }>(rules: readonly R[], text: string): R | null {
  return rules.find((r) => r.pattern.test(text)) ?? null;
}
