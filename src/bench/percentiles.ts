// Latency summaries for the benchmark report.

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of the first `count` samples (milliseconds, rounded to 0.01). */
export function summarize(samples: Float64Array, count: number): LatencySummary {
  const sorted = samples.slice(0, count).sort();
  const rank = (q: number): number => {
    if (count === 0) return 0;
    const value = sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))] ?? 0;
    return Math.round(value * 100) / 100;
  };
  return { p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: rank(1) };
}
