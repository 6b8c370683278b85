// Which local address and EHLO name an outbound connection uses (SPEC §3.3 "IP pools"): the sender's pool
// hands out its addresses round robin, one per delivery attempt (an idle connection from that address
// is reused when there is one); no pool means the system's choice.
import { isIP } from 'node:net';
import type { IpPoolConfig } from '../config/settings.js';

export interface SendingSource {
  /** Bound as the socket's local address; null lets the system choose. */
  localAddress: string | null;
  ehlo: string;
}

export class IpPoolSelector {
  private readonly pools = new Map<number, IpPoolConfig>();
  /** Next index per pool and address family. */
  private readonly cursors = new Map<string, number>();

  constructor(
    pools: readonly IpPoolConfig[],
    private readonly defaultEhlo: string,
  ) {
    for (const pool of pools) this.pools.set(pool.id, pool);
  }

  has(poolId: number): boolean {
    return this.pools.has(poolId);
  }

  /**
   * The source for one connection to `remoteAddress`, advancing the pool's round robin; null when the
   * pool has no address of the destination's family (an IPv4 pool cannot reach an IPv6-only MX) or is
   * not configured at all (check `has` first).
   */
  choose(poolId: number | null, remoteAddress: string): SendingSource | null {
    if (poolId === null) return { localAddress: null, ehlo: this.defaultEhlo };
    const pool = this.pools.get(poolId);
    if (!pool) return null;
    const family = isIP(remoteAddress);
    const candidates = pool.ip_addresses.filter((ip) => isIP(ip) === family);
    if (candidates.length === 0) return null;
    const key = `${poolId}/${family}`;
    const index = this.cursors.get(key) ?? 0;
    this.cursors.set(key, (index + 1) % candidates.length);
    const localAddress = candidates[index % candidates.length] as string;
    return { localAddress, ehlo: pool.ehlo ?? this.defaultEhlo };
  }
}
