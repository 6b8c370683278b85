// Where a node's current slow-downs are kept for the CLI (`petrel queue list`, `petrel status`): a small
// JSON file beside the spool queue, rewritten whenever the set changes. Readers apply recovery themselves.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { existingShards } from '../../spool/shards.js';
import { RECOVERY_STEP_MS, type SlowDown } from './pacer.js';

export const SLOWDOWNS_FILE = 'pacing-slowdowns.json';

interface Stored extends SlowDown {
  /** When `factor` was set; the rate doubles back every RECOVERY_STEP_MS after. */
  changedAt: number;
}

/** Writes the list atomically (a reader never sees half a file). */
export function writeSlowDowns(spoolDir: string, list: readonly Stored[]): void {
  mkdirSync(spoolDir, { recursive: true });
  const file = join(spoolDir, SLOWDOWNS_FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify(list), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/**
 * The destinations this node is slowing down now, most slowed first: what `petrel queue list` and
 * `petrel status` show. An empty list when there are none (or the node never wrote the file).
 */
export function listSlowDowns(spoolDir: string, now = Date.now()): SlowDown[] {
  let stored: Stored[];
  try {
    stored = JSON.parse(readFileSync(join(spoolDir, SLOWDOWNS_FILE), 'utf8')) as Stored[];
  } catch {
    return [];
  }
  const out: SlowDown[] = [];
  for (const s of stored) {
    const steps = Math.max(0, Math.floor((now - s.changedAt) / RECOVERY_STEP_MS));
    const factor = s.factor * 2 ** steps;
    if (factor >= 1) continue;
    const perMinute = Math.max(1, Math.floor((s.messagesPerMinute / s.factor) * factor));
    out.push({
      destination: s.destination,
      factor,
      messagesPerMinute: perMinute,
      since: s.since,
      lastReply: s.lastReply,
    });
  }
  return out.sort((a, b) => a.factor - b.factor);
}

/**
 * The slow-downs of a whole node: each worker paces its own share of a destination (docs/workers.md), so
 * a destination shows the lowest share any worker is at and the sum of their rates.
 */
export function listNodeSlowDowns(dataDir: string, now = Date.now()): SlowDown[] {
  const byDestination = new Map<string, SlowDown>();
  for (const shard of existingShards(dataDir)) {
    for (const s of listSlowDowns(shard.dir, now)) {
      const seen = byDestination.get(s.destination);
      byDestination.set(
        s.destination,
        seen === undefined
          ? s
          : {
              ...(s.factor < seen.factor ? s : seen),
              messagesPerMinute: seen.messagesPerMinute + s.messagesPerMinute,
            },
      );
    }
  }
  return [...byDestination.values()].sort((a, b) => a.factor - b.factor);
}
