// IP networks for the allow lists and IP authentication (SPEC §8 "Restrictions", §2.2): parsing with
// ipaddr.js, one canonical text per network, and each network as a range of 32-hex-digit keys (IPv4 as
// IPv4-mapped IPv6) so that containment and overlap are plain comparisons, in code and in SQL.
import ipaddr from 'ipaddr.js';

export interface IpNetwork {
  /** Canonical text: a single address bare ('192.0.2.7', '2001:db8::1'), otherwise CIDR. */
  text: string;
  kind: 'ipv4' | 'ipv6';
  prefix: number;
  /** First and last address as 32 lower-case hex digits. */
  start: string;
  end: string;
}

export type NetworkResult = { ok: true; network: IpNetwork } | { ok: false; reason: string };

function hexOf(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

function v6Bytes(addr: ipaddr.IPv4 | ipaddr.IPv6): number[] {
  return addr.kind() === 'ipv4'
    ? (addr as ipaddr.IPv4).toIPv4MappedAddress().toByteArray()
    : addr.toByteArray();
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  // Zone ids ('fe80::1%eth0') name an interface of one machine, not a network.
  if (!text.includes('%') && ipaddr.IPv6.isValid(text)) {
    const v6 = ipaddr.IPv6.parse(text);
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  return null;
}

/** The key of one client address (as a socket reports it, IPv4-mapped or not), or null. */
export function addressKey(address: string): string | null {
  const addr = parseAddress(address.trim());
  return addr === null ? null : hexOf(v6Bytes(addr));
}

/** Parses '192.0.2.7', '198.51.100.0/24', '2001:db8::/32'; host bits must be zero. */
export function parseNetwork(input: string): NetworkResult {
  const raw = input.trim();
  const slash = raw.indexOf('/');
  const addrText = slash === -1 ? raw : raw.slice(0, slash);
  const bitsText = slash === -1 ? null : raw.slice(slash + 1);
  const addr = parseAddress(addrText);
  if (addr === null) return { ok: false, reason: 'must be an IPv4 or IPv6 address or CIDR block' };
  const mappedInput = addr.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(addrText);
  let max = addr.kind() === 'ipv4' ? 32 : 128;
  let prefix = max;
  if (bitsText !== null) {
    if (!/^\d{1,3}$/.test(bitsText)) return { ok: false, reason: 'has a prefix length that is not a number' };
    prefix = Number(bitsText);
    // '::ffff:192.0.2.0/120' is the IPv4 network 192.0.2.0/24.
    if (mappedInput) prefix -= 96;
    if (prefix < 0 || prefix > max) {
      return { ok: false, reason: `has a prefix length outside 0 to ${mappedInput ? 128 : max}` };
    }
  }
  const bytes = v6Bytes(addr);
  const hostBits = (addr.kind() === 'ipv4' ? 32 : 128) - prefix;
  const first = [...bytes];
  const last = [...bytes];
  for (let bit = 0; bit < hostBits; bit++) {
    const index = 15 - Math.floor(bit / 8);
    const mask = 1 << (bit % 8);
    first[index] = (first[index] ?? 0) & ~mask;
    last[index] = (last[index] ?? 0) | mask;
  }
  if (hexOf(first) !== hexOf(bytes)) {
    const network =
      addr.kind() === 'ipv4'
        ? ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${prefix}`)
        : ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${prefix}`);
    return {
      ok: false,
      reason: `has bits set after the prefix; the network is ${network.toString()}/${prefix}`,
    };
  }
  max = addr.kind() === 'ipv4' ? 32 : 128;
  const text = prefix === max ? addr.toString() : `${addr.toString()}/${prefix}`;
  return {
    ok: true,
    network: { text, kind: max === 32 ? 'ipv4' : 'ipv6', prefix, start: hexOf(first), end: hexOf(last) },
  };
}

export function networkContains(network: Pick<IpNetwork, 'start' | 'end'>, key: string): boolean {
  return network.start <= key && key <= network.end;
}

export function networksOverlap(a: Pick<IpNetwork, 'start' | 'end'>, b: Pick<IpNetwork, 'start' | 'end'>) {
  return a.start <= b.end && b.start <= a.end;
}
