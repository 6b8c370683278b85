// Which local address and EHLO name an outbound connection uses (SPEC §3.3 "IP pools"): the sender's pool
// hands out its addresses round robin, one per delivery attempt (an idle connection from that address
// is reused when there is one); no pool means the system's choice. An address warming up (SPEC §9) is
// passed over once its share of the day is used.
import { isIP } from 'node:net';
import type { IpPoolConfig } from '../config/settings.js';
import { WarmupTracker } from './warmup/warmup-tracker.js';

export interface SendingSource {
  /** Bound as the socket's local address; null lets the system choose. */
  localAddress: string | null;
  ehlo: string;
}

/** Every address of the pool that could reach the destination is warming up and has sent its share. */
export interface WarmedOut {
  warmedOut: true;
  /** When the first of them may send again. */
  renewsAt: number;
}

export class IpPoolSelector {
  private readonly pools = new Map<number, IpPoolConfig>();
  /** Next index per pool and address family. */
  private readonly cursors = new Map<string, number>();

  constructor(
    pools: readonly IpPoolConfig[],
    private readonly defaultEhlo: string,
    private readonly warmup: WarmupTracker = new WarmupTracker(),
  ) {
    for (const pool of pools) this.pools.set(pool.id, pool);
  }

  has(poolId: number): boolean {
    return this.pools.has(poolId);
  }

  /**
   * The source for one connection to `remoteAddress`, advancing the pool's round robin; null when the
   * pool has no address of the destination's family (an IPv4 pool cannot reach an IPv6-only MX) or is
   * not configured at all (check `has` first). `messages` is what the delivery will send, counted
   * against a warming-up address's share of the day.
   */
  choose(poolId: number | null, remoteAddress: string, messages = 1): SendingSource | WarmedOut | null {
    if (poolId === null) return { localAddress: null, ehlo: this.defaultEhlo };
    const pool = this.pools.get(poolId);
    if (!pool) return null;
    const family = isIP(remoteAddress);
    const candidates = pool.ip_addresses.filter((ip) => isIP(ip) === family);
    if (candidates.length === 0) return null;
    const key = `${poolId}/${family}`;
    const start = this.cursors.get(key) ?? 0;
    for (let i = 0; i < candidates.length; i++) {
      const index = (start + i) % candidates.length;
      const localAddress = candidates[index] as string;
      const schedule = pool.warmup?.[localAddress];
      if (schedule && !this.warmup.take(localAddress, schedule, messages)) continue;
      this.cursors.set(key, (index + 1) % candidates.length);
      return { localAddress, ehlo: pool.ehlo ?? this.defaultEhlo };
    }
    return { warmedOut: true, renewsAt: Math.min(...candidates.map((ip) => this.warmup.renewsAt(ip))) };
  }

  /** Gives back the share `choose` took for a delivery that got no connection from `source`. */
  unused(poolId: number | null, source: SendingSource, messages = 1): void {
    const pool = poolId === null ? undefined : this.pools.get(poolId);
    if (source.localAddress !== null && pool?.warmup?.[source.localAddress])
      this.warmup.giveBack(source.localAddress, messages);
  }
}
