// Counts what each warmed-up pool address sends per day (SPEC §9) and says whether it may send more.
// Counts live in memory for speed and are written to the node's queue database after each change, so a
// restart carries on with today's count instead of starting the day again.
import type { Logger } from 'pino';
import type { DeliveryLedger, WarmupUsage } from '../../spool/index.js';
import { dailyLimit, nextDayAt, warmupDay } from './schedule.js';
import { workerShare } from '../../workers/share.js';

export type WarmupStore = Pick<DeliveryLedger, 'warmupUsage' | 'saveWarmupUsage'>;

export class WarmupTracker {
  private readonly usage = new Map<string, WarmupUsage>();

  constructor(
    private readonly store: WarmupStore | null = null,
    private readonly logger?: Logger,
    private readonly clock: () => number = Date.now,
    /** Worker processes sharing the node's addresses: each may send its share of a day's limit. */
    private readonly workers = 1,
  ) {
    for (const u of store?.warmupUsage() ?? []) this.usage.set(u.address, u);
  }

  /**
   * Takes `count` messages of today's share of `address` (its first use starts day 1). False, taking
   * nothing, when today's share is used up; a delivery needing several messages may end a little over.
   */
  take(address: string, schedule: readonly number[], count = 1): boolean {
    const now = this.clock();
    const u = this.today(address, now);
    const limit = workerShare(dailyLimit(schedule, u.day), this.workers);
    if (limit !== null && u.sent >= limit) return false;
    u.sent += count;
    this.save(u);
    return true;
  }

  /** Gives back messages taken for a delivery that never got a connection. */
  giveBack(address: string, count = 1): void {
    const u = this.usage.get(address);
    if (!u) return;
    u.sent = Math.max(0, u.sent - count);
    this.save(u);
  }

  /** When the address's share is next renewed (for the deferral's reason). */
  renewsAt(address: string): number {
    const now = this.clock();
    return nextDayAt(this.usage.get(address)?.firstUsedAt ?? now, now);
  }

  private today(address: string, now: number): WarmupUsage {
    let u = this.usage.get(address);
    if (!u) this.usage.set(address, (u = { address, firstUsedAt: now, day: 1, sent: 0 }));
    const day = warmupDay(u.firstUsedAt, now);
    if (day !== u.day) Object.assign(u, { day, sent: 0 });
    return u;
  }

  private save(u: WarmupUsage): void {
    if (!this.store) return;
    // A copy: later changes in memory must not alter what this write stores.
    this.store.saveWarmupUsage({ ...u }).catch((err: unknown) => {
      this.logger?.error({ err, address: u.address }, 'delivery: could not store the warm-up count');
    });
  }
}
