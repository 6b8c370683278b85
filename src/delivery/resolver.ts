// Where to deliver a domain's mail (SPEC §3.3): its MX hosts in preference order (equal preferences
// shuffled) with their addresses, the domain's own A/AAAA when it has no MX, a permanent failure for a
// null MX or a domain that does not exist, a temporary one when DNS cannot answer — or the smarthost.
// Answers pointing at loopback, private, link-local or the node's own addresses are not followed (§10).
import { lookup } from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { addressLiteral, type DestinationPolicy } from './destination-policy.js';
import type { SmtpReply } from './types.js';

export interface MxHost {
  /** The MX name (the domain itself for an implicit MX, the smarthost's host in smarthost mode). */
  name: string;
  preference: number;
  /** IP addresses to try in order: IPv4 first, then IPv6. */
  addresses: string[];
  port: number;
}

export type Route = { kind: 'hosts'; hosts: MxHost[] } | { kind: 'failed'; reply: SmtpReply };

export interface ResolverOptions {
  /** `ip[:port]` servers (config.dnsServers); empty means the system's resolvers. */
  dnsServers: readonly string[];
  /** Per query and try, as c-ares counts it. */
  timeoutMs: number;
  tries: number;
  /** Which addresses mail may go to; the smarthost is exempt. */
  destinations: DestinationPolicy;
  /** Replaces MX lookup altogether (config.smarthost). */
  smarthost: { host: string; port: number } | null;
  /** Port of MX hosts: 25 in the world, a test peer's port in tests. */
  mxPort: number;
  /** Upper bound on how long an answer is reused; A/AAAA answers are kept no longer than their TTL. */
  cacheMaxTtlMs: number;
  cacheMaxEntries: number;
  /** For shuffling MX hosts of equal preference; returns [0, 1). */
  random?: () => number;
}

export const DEFAULT_RESOLVER_OPTIONS: Omit<ResolverOptions, 'dnsServers' | 'smarthost' | 'destinations'> = {
  timeoutMs: 5_000,
  tries: 2,
  mxPort: 25,
  cacheMaxTtlMs: 5 * 60_000,
  cacheMaxEntries: 10_000,
};

/** A DNS answer that settles the question: records (possibly none), or "no such domain". */
type Answer<T> = { kind: 'records'; records: T[]; ttlMs: number } | { kind: 'nxdomain' };

interface MxRecord {
  exchange: string;
  priority: number;
}

/** DNS error codes that mean "the name exists but has no record of this type". */
const NO_DATA = new Set(['ENODATA']);
const NO_DOMAIN = new Set(['ENOTFOUND']);

class DnsTemporaryError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'DnsTemporaryError';
  }
}

const failed = (enhancedCode: string, text: string): Route => ({
  kind: 'failed',
  reply: { code: null, enhancedCode, text },
});

export class MxResolver {
  private readonly resolver: Resolver;
  private readonly cache = new Map<string, { expiresAt: number; answer: Answer<unknown> }>();
  private readonly inFlight = new Map<string, Promise<Answer<unknown>>>();
  private readonly random: () => number;

  constructor(private readonly options: ResolverOptions) {
    this.resolver = new Resolver({ timeout: options.timeoutMs, tries: options.tries });
    if (options.dnsServers.length > 0) this.resolver.setServers([...options.dnsServers]);
    this.random = options.random ?? Math.random;
  }

  async resolve(domain: string): Promise<Route> {
    const smarthost = this.options.smarthost;
    if (smarthost) return this.resolveSmarthost(smarthost);
    const name = domain.toLowerCase().replace(/\.$/, '');
    const literal = addressLiteral(name);
    if (literal !== null) {
      // The delivery job refuses these first (event `rejected`); this keeps the resolver safe alone.
      if (!this.options.destinations.allows(literal)) return failed('5.7.1', refusedText(name));
      return hosts([{ name, preference: 0, addresses: [literal], port: this.options.mxPort }]);
    }
    try {
      return await this.resolveMx(name);
    } catch (err) {
      if (err instanceof DnsTemporaryError) return failed('4.4.3', err.detail);
      throw err;
    }
  }

  /** True when `domain` is an address literal of an address mail may not go to. */
  refusesLiteral(domain: string): boolean {
    return this.options.destinations.refusesLiteral(domain);
  }

  /** Stops queries in flight (they reject with ECANCELLED, i.e. a temporary failure). */
  close(): void {
    this.resolver.cancel();
  }

  private async resolveSmarthost(smarthost: { host: string; port: number }): Promise<Route> {
    const { host, port } = smarthost;
    if (isIP(host) !== 0) return hosts([{ name: host, preference: 0, addresses: [host], port }]);
    // A named smarthost is resolved the way the operating system would (hosts file included): it is
    // the operator's own relay, not a domain of the internet.
    try {
      const found = await lookup(host, { all: true });
      const addresses = orderAddresses(found.map((a) => a.address));
      return hosts([{ name: host, preference: 0, addresses, port }]);
    } catch (err) {
      return failed('4.4.3', `cannot resolve the smarthost ${host}: ${errorCode(err)}`);
    }
  }

  private async resolveMx(domain: string): Promise<Route> {
    const mx = await this.query<MxRecord>('MX', domain);
    if (mx.kind === 'nxdomain') return failed('5.1.2', `the domain ${domain} does not exist (NXDOMAIN)`);
    const real = mx.records.filter((r) => !isNullExchange(r.exchange));
    if (mx.records.length > 0 && real.length === 0) {
      return failed('5.1.10', `the domain ${domain} does not accept mail (null MX, RFC 7505)`);
    }
    if (real.length === 0) {
      // No MX: the domain itself is the implicit MX (RFC 5321 §5.1).
      const found = await this.addressesOf(domain);
      const addresses = this.deliverable(found);
      if (found.length > 0 && addresses.length === 0) return failed('5.4.4', refusedText(domain));
      if (addresses.length === 0)
        return failed('5.1.2', `the domain ${domain} has no MX and no A/AAAA record`);
      return hosts([{ name: domain, preference: 0, addresses, port: this.options.mxPort }]);
    }
    const ordered = this.orderByPreference(real);
    const settled = await Promise.allSettled(ordered.map((r) => this.addressesOf(r.exchange)));
    const result: MxHost[] = [];
    let temporary: string | null = null;
    let refused = false;
    settled.forEach((s, i) => {
      const record = ordered[i] as MxRecord;
      if (s.status === 'rejected') {
        if (!(s.reason instanceof DnsTemporaryError)) throw s.reason;
        temporary ??= s.reason.detail;
        return;
      }
      const addresses = this.deliverable(s.value);
      if (addresses.length < s.value.length) refused = true;
      if (addresses.length > 0) {
        const name = record.exchange.toLowerCase().replace(/\.$/, '');
        result.push({ name, preference: record.priority, addresses, port: this.options.mxPort });
      }
    });
    if (result.length > 0) return hosts(result);
    if (temporary !== null) return failed('4.4.3', temporary);
    if (refused) return failed('5.4.4', refusedText(domain));
    return failed('5.4.4', `no MX host of ${domain} has an address`);
  }

  /** Sorted by preference; hosts of equal preference shuffled, so load spreads as RFC 5321 §5.1 asks. */
  private orderByPreference(records: MxRecord[]): MxRecord[] {
    const shuffled = [...records];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j] as MxRecord, shuffled[i] as MxRecord];
    }
    // Array.prototype.sort is stable, so the shuffle survives among equal preferences.
    return shuffled.sort((a, b) => a.priority - b.priority);
  }

  /** The addresses mail may go to (SPEC §10); the others are not followed. */
  private deliverable(addresses: string[]): string[] {
    return addresses.filter((a) => this.options.destinations.allows(a));
  }

  private async addressesOf(name: string): Promise<string[]> {
    const bare = name.replace(/\.$/, '');
    if (isIP(bare) !== 0) return [bare]; // a (misconfigured) MX that names an address
    const [v4, v6] = await Promise.all([this.query<string>('A', bare), this.query<string>('AAAA', bare)]);
    const list = (a: Answer<string>): string[] => (a.kind === 'records' ? a.records : []);
    return [...list(v4), ...list(v6)];
  }

  private async query<T>(type: 'MX' | 'A' | 'AAAA', name: string): Promise<Answer<T>> {
    const key = `${type} ${name}`;
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > now) return cached.answer as Answer<T>;
    // Many deliveries to one domain start together: they share one query instead of each asking.
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.ask(type, name)
        .then((answer) => {
          this.remember(key, answer, Date.now());
          return answer;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return (await pending) as Answer<T>;
  }

  private async ask(type: 'MX' | 'A' | 'AAAA', name: string): Promise<Answer<unknown>> {
    const maxTtl = this.options.cacheMaxTtlMs;
    try {
      if (type === 'MX') {
        // node's MX answer carries no TTL; it is kept for the cache's upper bound.
        return { kind: 'records', records: await this.resolver.resolveMx(name), ttlMs: maxTtl };
      }
      const records =
        type === 'A'
          ? await this.resolver.resolve4(name, { ttl: true })
          : await this.resolver.resolve6(name, { ttl: true });
      const ttlMs = Math.min(maxTtl, ...records.map((r) => r.ttl * 1000));
      return { kind: 'records', records: records.map((r) => r.address), ttlMs };
    } catch (err) {
      const code = errorCode(err);
      if (NO_DATA.has(code)) return { kind: 'records', records: [], ttlMs: maxTtl };
      if (NO_DOMAIN.has(code)) return { kind: 'nxdomain' };
      throw new DnsTemporaryError(`DNS lookup of ${type} ${name} failed: ${code}`);
    }
  }

  private remember(key: string, answer: Answer<unknown>, now: number): void {
    const ttlMs = answer.kind === 'records' ? answer.ttlMs : Math.min(60_000, this.options.cacheMaxTtlMs);
    if (ttlMs <= 0 || this.options.cacheMaxEntries <= 0) return;
    if (this.cache.size >= this.options.cacheMaxEntries) {
      // Map keeps insertion order: the first key is the oldest entry.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(key, { expiresAt: now + ttlMs, answer });
  }
}

function hosts(list: MxHost[]): Route {
  return { kind: 'hosts', hosts: list.map((h) => ({ ...h, addresses: orderAddresses(h.addresses) })) };
}

/** IPv4 first: IPv6 paths to mail servers are still more often broken or missing reverse DNS. */
function orderAddresses(addresses: string[]): string[] {
  return [...new Set(addresses)].sort((a, b) => isIP(a) - isIP(b));
}

/** RFC 7505: the null MX is "0 ." — node reports its exchange as the empty string. */
function isNullExchange(exchange: string): boolean {
  return exchange === '' || exchange === '.';
}

function refusedText(domain: string): string {
  return `the mail servers of ${domain} have no address Petrel may deliver to (loopback, private, link-local or its own)`;
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return err instanceof Error ? err.message : String(err);
}
