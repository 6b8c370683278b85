// MTA-STS for outbound delivery (RFC 8461, SPEC §9): builds the guard the outbound client consults, from
// the configuration (trust store, policy port, DNS servers) and optional tuning.
import type { Logger } from 'pino';
import type { DestinationPolicy } from '../destination-policy.js';
import { MtaStsGuard, type MtaStsCounters } from './guard.js';
import { DEFAULT_POLICY_CACHE_OPTIONS, MtaStsPolicyCache, type PolicyCacheOptions } from './policy-cache.js';
import { loadTrustStore } from './trust-store.js';

export { MtaStsGuard, type MtaStsCounters, type StsPlan } from './guard.js';

export interface MtaStsSettings extends Partial<
  Omit<PolicyCacheOptions, 'trust' | 'destinations' | 'dnsServers' | 'logger'>
> {
  /** Extra trusted CAs (PEM), on top of the system's roots (PETREL_MTA_STS_CA_FILE). */
  caFile: string | null;
  dnsServers: readonly string[];
  destinations: DestinationPolicy;
  counters?: MtaStsCounters;
  logger?: Logger;
}

export function createMtaStsGuard(settings: MtaStsSettings): MtaStsGuard {
  const { caFile, counters, logger, ...cache } = settings;
  const trust = loadTrustStore(caFile);
  const defined = Object.fromEntries(Object.entries(cache).filter(([, v]) => v !== undefined));
  const policies = new MtaStsPolicyCache({
    ...DEFAULT_POLICY_CACHE_OPTIONS,
    ...defined,
    dnsServers: settings.dnsServers,
    destinations: settings.destinations,
    trust,
    logger,
    onFetch: settings.onFetch ?? ((result) => counters?.fetch(result)),
  });
  return new MtaStsGuard({ policies, trust, counters, logger });
}
