// The node's MTA-STS policies (RFC 8461 §3, §5): the `_mta-sts` TXT record through Petrel's DNS servers,
// the HTTPS policy fetched when the id is new or the cached policy expired, kept for its max_age, and one
// lookup in flight per domain however many deliveries ask at once. In memory: a restart fetches again.
import { Resolver } from 'node:dns/promises';
import type { Logger } from 'pino';
import type { DestinationPolicy } from '../destination-policy.js';
import { fetchPolicyText } from './policy-fetch.js';
import { parsePolicy, parseStsRecord, type StsPolicy } from './policy.js';
import type { TrustStore } from './trust-store.js';

export interface PolicyCacheOptions {
  dnsServers: readonly string[];
  dnsTimeoutMs: number;
  dnsTries: number;
  /** The policy host's address must be one mail may go to (SPEC §10), like an MX's. */
  destinations: DestinationPolicy;
  trust: TrustStore;
  /** 443 in the world (PETREL_MTA_STS_POLICY_PORT, for tests and HTTPS front ends on another port). */
  policyPort: number;
  fetchTimeoutMs: number;
  maxPolicyBytes: number;
  /** How long a TXT answer (or its absence) is reused before the id is checked again. */
  txtCacheMs: number;
  /** After a failed fetch, how long the same id waits before it is fetched again. */
  retryFailedFetchMs: number;
  maxEntries: number;
  onFetch?: (result: 'ok' | 'failed') => void;
  logger?: Logger;
}

export const DEFAULT_POLICY_CACHE_OPTIONS = {
  dnsTimeoutMs: 5_000,
  dnsTries: 2,
  policyPort: 443,
  // RFC 8461 §3.3 suggests senders bound the fetch: a minute at most, 64 KiB is plenty for a policy.
  fetchTimeoutMs: 60_000,
  maxPolicyBytes: 64 * 1024,
  txtCacheMs: 60_000,
  retryFailedFetchMs: 5 * 60_000,
  maxEntries: 10_000,
} as const;

/** A policy in force for a domain, with the id it was published under. */
export interface CachedPolicy {
  id: string;
  policy: StsPolicy;
  expiresAt: number;
}

interface Entry {
  current: CachedPolicy | null;
  /** The TXT record's id as last seen (null: none published), and until when that answer is reused. */
  txt: { id: string | null; until: number } | null;
  /** The id whose fetch failed last, and when it may be tried again. */
  failed: { id: string; until: number } | null;
}

export class MtaStsPolicyCache {
  private readonly resolver: Resolver;
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<StsPolicy | null>>();

  constructor(private readonly options: PolicyCacheOptions) {
    this.resolver = new Resolver({ timeout: options.dnsTimeoutMs, tries: options.dnsTries });
    if (options.dnsServers.length > 0) this.resolver.setServers([...options.dnsServers]);
  }

  /** The policy to apply to mail for `domain`, or null when it has none (deliver as without MTA-STS). */
  policyFor(domain: string): Promise<StsPolicy | null> {
    const name = domain.toLowerCase().replace(/\.$/, '');
    let pending = this.inFlight.get(name);
    if (!pending) {
      pending = this.lookup(name).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }

  close(): void {
    this.resolver.cancel();
  }

  private async lookup(domain: string): Promise<StsPolicy | null> {
    const now = Date.now();
    const entry = this.entry(domain);
    const valid = (): StsPolicy | null =>
      entry.current && entry.current.expiresAt > Date.now() ? entry.current.policy : null;
    if (!entry.txt || entry.txt.until <= now) {
      try {
        entry.txt = { id: await this.publishedId(domain), until: now + this.options.txtCacheMs };
      } catch (err) {
        // DNS cannot answer now: a policy still cached stays in force (RFC 8461 §5.1), else none.
        this.options.logger?.warn({ domain, err: errText(err) }, 'mta-sts: TXT lookup failed');
        return valid();
      }
    }
    const id = entry.txt.id;
    // No record (any more): a cached policy still holds until it expires (§5.1, so an attacker who
    // strips the TXT record gains nothing).
    if (id === null) return valid();
    if (entry.current?.id === id && entry.current.expiresAt > now) return entry.current.policy;
    if (entry.failed?.id === id && entry.failed.until > now) return valid();
    try {
      const policy = parsePolicy(await this.fetch(domain));
      entry.current = { id, policy, expiresAt: Date.now() + policy.maxAgeSeconds * 1000 };
      entry.failed = null;
      this.options.onFetch?.('ok');
      this.options.logger?.info(
        { domain, id, mode: policy.mode, mx: policy.mx, maxAge: policy.maxAgeSeconds },
        'mta-sts: policy fetched',
      );
      return policy;
    } catch (err) {
      // §3.3: no policy fetched and none cached → deliver as though the domain had no MTA-STS.
      entry.failed = { id, until: Date.now() + this.options.retryFailedFetchMs };
      this.options.onFetch?.('failed');
      this.options.logger?.warn({ domain, id, err: errText(err) }, 'mta-sts: policy fetch failed');
      return valid();
    }
  }

  private entry(domain: string): Entry {
    let entry = this.entries.get(domain);
    if (entry) return entry;
    if (this.entries.size >= this.options.maxEntries) {
      // Map keeps insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    entry = { current: null, txt: null, failed: null };
    this.entries.set(domain, entry);
    return entry;
  }

  /** The id of the domain's STSv1 record; null when none (NXDOMAIN, no TXT, no valid record). */
  private async publishedId(domain: string): Promise<string | null> {
    try {
      return parseStsRecord(await this.resolver.resolveTxt(`_mta-sts.${domain}`))?.id ?? null;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return null;
      throw err;
    }
  }

  private async fetch(domain: string): Promise<string> {
    const host = `mta-sts.${domain}`;
    const addresses = [...(await this.addressesOf(host, 'A')), ...(await this.addressesOf(host, 'AAAA'))];
    const allowed = addresses.filter((a) => this.options.destinations.allows(a));
    const address = allowed[0];
    if (address === undefined) {
      throw new Error(
        addresses.length > 0 ? `${host} has no address Petrel may connect to` : `${host} has no address`,
      );
    }
    return fetchPolicyText({
      host,
      address,
      port: this.options.policyPort,
      trust: this.options.trust,
      timeoutMs: this.options.fetchTimeoutMs,
      maxBytes: this.options.maxPolicyBytes,
    });
  }

  private async addressesOf(host: string, type: 'A' | 'AAAA'): Promise<string[]> {
    try {
      return type === 'A' ? await this.resolver.resolve4(host) : await this.resolver.resolve6(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
      throw err;
    }
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
