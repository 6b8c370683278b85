// Where mail may never go (SPEC §10): loopback, private, link-local (and other non-public) addresses and
// the node's own, whether written as an address literal (`user@[10.1.2.3]`) or found in MX or A/AAAA
// answers — so that a sender cannot use Petrel to reach the services beside it. The networks of
// PETREL_ALLOWED_PRIVATE_DESTINATIONS are let through; the configured smarthost is never checked.
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import type { Config } from '../config/settings.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** ipaddr.js ranges a delivery may never reach. Anything else (public unicast) is fine. */
const REFUSED_RANGES = new Set([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'carrierGradeNat',
  'private',
  'uniqueLocal',
  'reserved',
]);

/** The event reason of a recipient refused because of where its mail would go. */
export const PRIVATE_DESTINATION_REASON = 'private_destination';

function parse(ip: string): Address | null {
  try {
    // process(): an IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it is.
    return ipaddr.process(ip);
  } catch {
    return null;
  }
}

/** `[192.0.2.1]` or `[IPv6:2001:db8::1]` (RFC 5321 §4.1.3) → the address; anything else → null. */
export function addressLiteral(domain: string): string | null {
  const m = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(domain.trim());
  const ip = m?.[1] ?? '';
  return m && ipaddr.isValid(ip) ? ip : null;
}

/** The addresses of this machine's interfaces, and those the configuration binds to. */
function ownAddresses(config: Pick<Config, 'ipPools'>): string[] {
  const fromInterfaces = Object.values(networkInterfaces()).flatMap((list) =>
    (list ?? []).map((i) => i.address.replace(/%.*$/, '')),
  );
  return [...fromInterfaces, ...config.ipPools.flatMap((p) => p.ip_addresses)];
}

export class DestinationPolicy {
  readonly #allowed: [Address, number][];
  readonly #own: Set<string>;

  constructor(options: { allowed: readonly string[]; own?: readonly string[] }) {
    this.#allowed = options.allowed.map((cidr) => {
      if (cidr.includes('/')) return ipaddr.parseCIDR(cidr);
      const ip = ipaddr.parse(cidr);
      return [ip, ip.kind() === 'ipv4' ? 32 : 128];
    });
    this.#own = new Set(
      (options.own ?? []).flatMap((ip) => {
        const parsed = parse(ip);
        return parsed ? [parsed.toNormalizedString()] : [];
      }),
    );
  }

  static fromConfig(config: Pick<Config, 'allowedPrivateDestinations' | 'ipPools'>): DestinationPolicy {
    return new DestinationPolicy({ allowed: config.allowedPrivateDestinations, own: ownAddresses(config) });
  }

  /** True when mail may be delivered to this IP address. */
  allows(ip: string): boolean {
    const address = parse(ip);
    if (!address) return false;
    const listed = this.#allowed.some(
      ([net, bits]) => address.kind() === net.kind() && address.match(net, bits),
    );
    if (listed) return true;
    return !REFUSED_RANGES.has(address.range()) && !this.#own.has(address.toNormalizedString());
  }

  /** True when `domain` is an address literal of an address mail may not go to. */
  refusesLiteral(domain: string): boolean {
    const literal = addressLiteral(domain);
    return literal !== null && !this.allows(literal);
  }
}
