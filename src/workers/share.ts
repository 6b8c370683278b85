// A worker's share of a node-wide limit (docs/workers.md): each of the node's worker processes enforces
// its own part, rounded up so that a small limit never becomes zero.
export function workerShare<T extends number | null>(limit: T, workers: number): T {
  if (limit === null || workers <= 1) return limit;
  return Math.max(1, Math.ceil(limit / workers)) as T;
}
