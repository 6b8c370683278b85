// The trace header the spool prepends to every accepted message (RFC 5321 §4.4, protocol names from
// RFC 3848), so recipients and operators can see where and how the message entered Petrel.
import { isIP } from 'node:net';

export interface ReceivedFields {
  clientHelo: string;
  clientAddress: string;
  hostname: string;
  /** SMTP sessions say ESMTP[S][A]; messages from the HTTP API say HTTP (or HTTPS). */
  via: 'smtp' | 'api';
  tls: boolean;
  authenticated: boolean;
  id: string;
  date: Date;
}

// The HELO name comes from the client: keep it to printable ASCII without the characters that would
// end the comment or the header, and bound its length, so it cannot forge or break header lines.
function cleanToken(value: string, fallback: string): string {
  const cleaned = value.replace(/[^\x21-\x7e]|[()\\;]/g, '').slice(0, 255);
  return cleaned === '' ? fallback : cleaned;
}

function addressLiteral(address: string): string {
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(plain);
  if (family === 4) return `[${plain}]`;
  if (family === 6) return `[IPv6:${plain}]`;
  return '[unknown]';
}

/** RFC 5322 date-time in UTC, e.g. `Tue, 26 Nov 2024 07:30:00 +0000`. */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

export function protocolName(fields: Pick<ReceivedFields, 'via' | 'tls' | 'authenticated'>): string {
  if (fields.via === 'api') return fields.tls ? 'HTTPS' : 'HTTP';
  return `ESMTP${fields.tls ? 'S' : ''}${fields.authenticated ? 'A' : ''}`;
}

/** The complete header, folded over three lines, ending in CRLF. */
export function buildReceivedHeader(fields: ReceivedFields): string {
  const helo = cleanToken(fields.clientHelo, 'unknown');
  return (
    `Received: from ${helo} (${addressLiteral(fields.clientAddress)})\r\n` +
    `\tby ${cleanToken(fields.hostname, 'localhost')} (Petrel) with ${protocolName(fields)} id ${fields.id};\r\n` +
    `\t${rfc5322Date(fields.date)}\r\n`
  );
}
