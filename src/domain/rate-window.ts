// The arithmetic of the rolling rate-limit window (SPEC §2.4) and the monthly limit's calendar month
// (SPEC §1.6): which bucket a recipient counts in, and which buckets still count against the limit.

/**
 * Allowance for clocks of different nodes disagreeing: each node stamps buckets with its own clock, so
 * a window is stretched by this much to stay "never late" as seen by any one clock.
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 250;

/** Buckets of P/60, but at least one second: a bounded number of rows per user, whatever P is. */
export function bucketLengthMs(periodSeconds: number): number {
  return Math.max(1000, Math.ceil((periodSeconds * 1000) / 60));
}

export interface RateWindow {
  bucketStart: number;
  bucketEnd: number;
  /**
   * Buckets that end at or before this instant lie wholly outside (now − P, now]. Any bucket ending
   * later is counted whole, even the part of it older than P: the limit may bite early, never late.
   */
  cutoff: number;
}

export function rateWindow(nowMs: number, periodSeconds: number): RateWindow {
  const length = bucketLengthMs(periodSeconds);
  const bucketStart = Math.floor(nowMs / length) * length;
  return {
    bucketStart,
    bucketEnd: bucketStart + length,
    cutoff: nowMs - periodSeconds * 1000 - CLOCK_SKEW_ALLOWANCE_MS,
  };
}

/** The calendar month (UTC) of an instant, as YYYY-MM. */
export function monthOf(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 7);
}
