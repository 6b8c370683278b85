// Prints a benchmark result for people (aligned text) or for scripts (one JSON object).
import type { BenchResult } from './run.js';
import type { LatencySummary } from './percentiles.js';

function latencyRow(name: string, l: LatencySummary): string {
  const cells = [l.p50, l.p90, l.p99, l.max].map((v) => v.toFixed(2).padStart(9));
  return `  ${name.padEnd(20)}${cells.join('')}`;
}

function counts(record: Record<string, number>): string {
  return Object.entries(record)
    .sort(([, a], [, b]) => b - a)
    .map(([key, n]) => `${key}: ${n}`)
    .join(', ');
}

export function formatBenchResult(r: BenchResult): string {
  const failures = counts(r.failures);
  const setup = counts(r.setupFailures);
  return [
    `target        ${r.target}, ${r.sessions} sessions, ${r.messageSize} bytes, ${r.recipientsPerMessage} recipient(s) per message`,
    `accepted      ${r.accepted} in ${r.elapsedSeconds.toFixed(3)} s = ${r.acceptedPerSecond.toFixed(1)} messages/s`,
    `failed        ${r.failed}${failures ? ` (${failures})` : ''}`,
    ...(setup ? [`setup failed  ${setup}`] : []),
    ...(r.timedOut ? [`stopped       by --duration with ${r.unfinished} transaction(s) in flight`] : []),
    `latency (ms)              p50      p90      p99      max`,
    latencyRow('DATA end -> 250', r.latencyMs.dataEnd),
    latencyRow('transaction', r.latencyMs.transaction),
  ].join('\n');
}

export function benchResultJson(r: BenchResult): string {
  return JSON.stringify(r);
}
