// Where a webhook may be called (SPEC §7): http/https only, and the address actually connected to must
// not be loopback, private, link-local or otherwise non-public unless PETREL_WEBHOOK_ALLOW_PRIVATE=true.
// The check runs inside the connection's own DNS lookup, so the address checked is the address used
// (a DNS answer that changes between a check and the connect — rebinding — gains nothing).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export class DestinationRefused extends Error {}

/** Why an address is refused, or null when it is a public unicast address (or private ones are allowed). */
export function refusalOf(address: string, allowPrivate: boolean): string | null {
  if (allowPrivate) return null;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return `${address} is not an IP address`;
  }
  const range = parsed.range();
  return range === 'unicast' ? null : `${address} is a ${range} address`;
}

/** The parsed URL, or an explanation of why it cannot be a webhook's URL. */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): { url: URL } | { problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: `must be an absolute http or https URL, found '${raw}'` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { problem: `must use http or https, found '${url.protocol.slice(0, -1)}'` };
  if (url.username || url.password)
    return { problem: 'must not carry a user name or password (use auth_header_type and auth_header_value)' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const refusal = refusalOf(host, allowPrivate);
    if (refusal) return { problem: `must not point at a non-public address: ${refusal}` };
  } else if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) {
    return { problem: `must not point at a non-public address: ${host} is loopback` };
  }
  return { url };
}

/** Resolves a host name to the addresses a webhook may connect to; refuses when none is allowed. */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((a) => refusalOf(a.address, allowPrivate) === null);
      if (allowed.length === 0) {
        const why = addresses.map((a) => refusalOf(a.address, allowPrivate)).join('; ');
        return callback(new DestinationRefused(`${hostname} resolves to no public address (${why})`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      const first = allowed[0]!;
      callback(null, first.address, first.family);
    });
  };
}
