// Validation of the addresses clients hand us for use in an SMTP envelope (audit_email,
// bounce_notifications): strict enough that delivery never sees junk, lenient enough for SMTPUTF8.
import { isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

// RFC 5321 §4.5.3.1: the path limit of 256 octets minus the angle brackets, and 64 for the local part.
const MAX_ADDRESS_OCTETS = 254;
const MAX_LOCAL_OCTETS = 64;
const MAX_LABEL_OCTETS = 63;
const MAX_AUDIT_ADDRESSES = 10;

// Whitespace and control characters are refused everywhere, even inside a quoted local part where
// RFC 5321 would allow a space: such addresses are a header-injection and confusion risk, not a need.
const FORBIDDEN = /[\p{Cc}\p{Cs}\p{White_Space}]/u;
// RFC 5322 atext, plus any non-ASCII character (RFC 6531 SMTPUTF8).
const DOT_ATOM =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u{80}-\u{10FFFF}]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u{80}-\u{10FFFF}]+)*$/u;
// RFC 5321 Quoted-string (without the space), plus non-ASCII; at least one character inside.
const QUOTED = /^"(?:[\x21\x23-\x5B\x5D-\x7E\u{80}-\u{10FFFF}]|\\[\x21-\x7E])+"$/u;
const LABEL =
  /^[A-Za-z0-9\u{80}-\u{10FFFF}](?:[A-Za-z0-9\u{80}-\u{10FFFF}-]*[A-Za-z0-9\u{80}-\u{10FFFF}])?$/u;
const ASCII_ONLY = /^\p{ASCII}*$/u;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function octets(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Shows a client-supplied value inside a message without letting it break the message. */
export function quoteFound(value: string): string {
  const shown = value.length > 100 ? `${value.slice(0, 100)}…` : value;
  return `'${JSON.stringify(shown).slice(1, -1)}'`;
}

function isValidDomainLabel(label: string): boolean {
  if (!LABEL.test(label)) return false;
  if (ASCII_ONLY.test(label)) return label.length <= MAX_LABEL_OCTETS;
  // The 63-octet limit applies to the label as it goes over DNS, i.e. its punycode (A-label) form.
  const ascii = domainToASCII(label);
  return ascii !== '' && !ascii.includes('.') && ascii.length <= MAX_LABEL_OCTETS;
}

export function isValidDomain(domain: string): boolean {
  if (domain.startsWith('[') && domain.endsWith(']')) {
    const literal = domain.slice(1, -1);
    if (IPV4.test(literal)) return true;
    const v6 = /^IPv6:(.+)$/i.exec(literal);
    return v6?.[1] !== undefined && isIPv6(v6[1]);
  }
  const labels = domain.split('.');
  // A bare host name ("localhost") is not routable on the public internet, so one dot is required.
  if (labels.length < 2 || !labels.every(isValidDomainLabel)) return false;
  // An all-numeric top-level label means a mistyped IP address, not a domain (RFC 3696 §2).
  return !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

/** local@domain as it may appear in MAIL FROM / RCPT TO, including SMTPUTF8 addresses. */
export function isValidEmailAddress(s: string): boolean {
  if (s.length > MAX_ADDRESS_OCTETS || octets(s) > MAX_ADDRESS_OCTETS) return false;
  if (FORBIDDEN.test(s)) return false;
  // The last @ separates the parts: a quoted local part may itself contain @, a domain never does.
  const at = s.lastIndexOf('@');
  if (at <= 0) return false;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (octets(local) > MAX_LOCAL_OCTETS) return false;
  if (!DOT_ATOM.test(local) && !QUOTED.test(local)) return false;
  return isValidDomain(domain);
}

export type AuditEmailListResult = { ok: true; addresses: string[] } | { ok: false; reason: string };

/**
 * audit_email: a comma-separated list of up to 10 addresses. Blank means "none" and yields an empty
 * list. Repeats (compared case-insensitively) are collapsed to the first spelling, since sending the
 * same audit copy twice helps nobody. Commas always separate, so a quoted local part containing a
 * comma cannot be listed here.
 */
export function parseAuditEmailList(s: string): AuditEmailListResult {
  if (s.trim() === '') return { ok: true, addresses: [] };
  const addresses: string[] = [];
  const seen = new Set<string>();
  for (const item of s.split(',')) {
    const address = item.trim();
    if (address === '') {
      return {
        ok: false,
        reason: `must not contain an empty entry (check for doubled, leading or trailing commas), found ${quoteFound(s)}`,
      };
    }
    if (!isValidEmailAddress(address)) {
      return { ok: false, reason: `must list only valid email addresses, found ${quoteFound(address)}` };
    }
    const key = address.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      addresses.push(address);
    }
  }
  if (addresses.length > MAX_AUDIT_ADDRESSES) {
    return {
      ok: false,
      reason: `must list at most ${MAX_AUDIT_ADDRESSES} addresses, found ${addresses.length}`,
    };
  }
  return { ok: true, addresses };
}

/** bounce_notifications: exactly "from", "drop" (lowercase, as documented) or one address. */
export function checkBounceNotifications(s: string): string | null {
  if (s === 'from' || s === 'drop' || isValidEmailAddress(s)) return null;
  return `must be "from", "drop" or one valid email address, found ${quoteFound(s)}`;
}
