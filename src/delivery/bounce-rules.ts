// The table of permanent (5xx) replies that are temporary in practice: a reply matching a rule is deferred
// and retried instead of bounced. Data, not code: add a row (with a real-shaped example) to teach it more.
//
// Why it matters: a hard bounce puts the recipient on the suppression list (SPEC §3.3), so misreading
// "your IP is listed" or "greylisted" as "no such user" would silence a good address for good.

export interface BounceRule {
  /** Short name, recorded on the result (`rule`) and in logs. */
  name: string;
  /** Matched against the reply as one line, "550 5.7.1 text" (the enhanced code is always present). */
  pattern: RegExp;
  /** A reply this rule is for; the tests check that each rule matches its own example. */
  example: string;
}

export const TEMPORARY_5XX_RULES: readonly BounceRule[] = [
  {
    name: 'enhanced-code-temporary',
    pattern: /^5\d\d 4\.\d{1,3}\.\d{1,3}\b/,
    example: '550 4.7.1 Recipient address rejected: please retry',
  },
  {
    name: 'greylisting',
    pattern: /gr[ae]y-?\s?list/i,
    example: '550 5.7.1 Greylisted for 300 seconds, see https://greylisting.example',
  },
  {
    name: 'try-again-later',
    // "do not try again" is the opposite, hence the look-behind.
    pattern: /(?<!\bnot\s|n't\s)\btry (?:again|later)\b|\btemporar(?:y|ily)\b/i,
    example: '554 5.7.1 Service temporarily unavailable, please try again later',
  },
  {
    name: 'sender-ip-blocklisted',
    pattern:
      /\b(?:spamhaus|spamcop|sorbs|barracudacentral|dnsbl|rbl|blocked using|black-?\s?list(?:ed)?|block-?\s?list(?:ed)?|deny-?\s?list(?:ed)?|poor reputation)\b/i,
    example: '554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using zen.spamhaus.org',
  },
  {
    name: 'rate-limited',
    pattern: /\brate[- ]limit|\btoo many (?:connections|messages|emails|mails)\b|\bthrottl(?:ed|ing)\b/i,
    example: '550 5.7.1 Too many messages from your IP address, slow down',
  },
  {
    name: 'mailbox-full',
    pattern:
      /\b(?:mailbox|inbox|quota)\b.*\b(?:full|exceeded)\b|\bover ?quota\b|\binsufficient (?:system )?storage\b/i,
    example: '552 5.2.2 The mailbox of this recipient is full',
  },
  {
    name: 'receiving-system-trouble',
    pattern: /^5\d\d 5\.(?:3\.2|4\.[235])\b/,
    example: '554 5.3.2 System not accepting network messages',
  },
];
