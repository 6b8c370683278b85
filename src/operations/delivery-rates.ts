// Delivery counts over the last minute and five minutes on this node, from periodic samples of the
// cumulative `petrel_delivery_recipients_total` counter (so the delivery path itself is not touched).
// A window is as precise as the sampling interval; a node younger than the window reports what it did.
import type { Metrics } from '../metrics.js';

export type RateResult = 'delivered' | 'deferred' | 'bounced';
type Totals = Record<RateResult, number>;

export interface DeliveryRates {
  delivered_1m: number;
  delivered_5m: number;
  deferred_5m: number;
  bounced_5m: number;
}

const FIVE_MINUTES_MS = 5 * 60_000;

export class DeliveryRateSampler {
  private readonly samples: { at: number; totals: Totals }[] = [];

  constructor(private readonly read: () => Promise<Totals>) {}

  /** Takes a sample now and returns the counts over the windows ending now. */
  async sample(now = Date.now()): Promise<DeliveryRates> {
    const totals = await this.read();
    this.samples.push({ at: now, totals });
    // Keep one sample at or before the five-minute mark, so that window stays whole.
    while (this.samples.length > 2 && (this.samples[1]?.at ?? now) <= now - FIVE_MINUTES_MS)
      this.samples.shift();
    const since = (windowMs: number, result: RateResult): number => {
      const base = this.samples.find((s) => s.at >= now - windowMs) ?? this.samples[0];
      return totals[result] - (base?.totals[result] ?? 0);
    };
    return {
      delivered_1m: since(60_000, 'delivered'),
      delivered_5m: since(FIVE_MINUTES_MS, 'delivered'),
      deferred_5m: since(FIVE_MINUTES_MS, 'deferred'),
      bounced_5m: since(FIVE_MINUTES_MS, 'bounced'),
    };
  }
}

/** Reads the node's delivery counter by result. */
export function metricsTotals(metrics: Metrics): () => Promise<Totals> {
  return async () => {
    const totals: Totals = { delivered: 0, deferred: 0, bounced: 0 };
    for (const v of (await metrics.deliveryRecipients.get()).values) {
      const result = v.labels.result;
      if (result === 'delivered' || result === 'deferred' || result === 'bounced') totals[result] += v.value;
    }
    return totals;
  };
}
