// Spool shards: with PETREL_WORKERS above 1 each serving process owns a spool of its own in the data
// directory (docs/workers.md). Shard 0 is the spool a single process has always used, `<dataDir>/spool`,
// so going from one worker to several (or back) leaves no message behind.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { spoolDirectory, openSpoolAdmin, type SpoolAdmin } from './spool.js';
import { noStateCounts, type StateCounts } from './queue-entries.js';

export interface SpoolShard {
  index: number;
  dir: string;
}

const SHARD_NAME = /^spool\.([1-9]\d{0,2})$/;

/** The spool directory of worker `index` (0: the single-process spool). */
export function shardDirectory(dataDir: string, index: number): string {
  return index === 0 ? spoolDirectory(dataDir) : join(dataDir, `spool.${index}`);
}

/** The shards that exist in the data directory, by index. */
export function existingShards(dataDir: string): SpoolShard[] {
  if (!existsSync(dataDir)) return [];
  const shards: SpoolShard[] = [];
  if (existsSync(spoolDirectory(dataDir))) shards.push({ index: 0, dir: spoolDirectory(dataDir) });
  for (const name of readdirSync(dataDir)) {
    const match = SHARD_NAME.exec(name);
    if (match) shards.push({ index: Number(match[1]), dir: join(dataDir, name) });
  }
  return shards.sort((a, b) => a.index - b.index);
}

/**
 * How many workers to run: the configured number, or more when a shard beyond it still holds mail (the
 * operator lowered PETREL_WORKERS), so that no accepted message is stranded in a spool nobody serves.
 */
export async function workersToRun(dataDir: string, configured: number, logger: Logger): Promise<number> {
  let count = configured;
  for (const shard of existingShards(dataDir)) {
    if (shard.index < count) continue;
    const admin = await openSpoolAdmin(shard.dir, logger);
    const messages = admin.queue.messageCount();
    await admin.close();
    if (messages === 0) continue;
    logger.warn(
      { shard: shard.dir, messages, configuredWorkers: configured },
      `workers: ${shard.dir} still holds ${messages} message(s); serving it with a worker of its own until it is empty`,
    );
    count = shard.index + 1;
  }
  return count;
}

/** Runs `work` on the queue of every existing shard in turn (operator tools beside a running node). */
export async function eachShardQueue<T>(
  dataDir: string,
  logger: Logger,
  work: (admin: SpoolAdmin, shard: SpoolShard) => T | Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  for (const shard of existingShards(dataDir)) {
    const admin = await openSpoolAdmin(shard.dir, logger);
    try {
      results.push(await work(admin, shard));
    } finally {
      await admin.close();
    }
  }
  return results;
}

/** The recipients by state of several shards together (all zero for none). */
export function sumStateCounts(all: readonly StateCounts[]): StateCounts {
  const total = noStateCounts();
  for (const counts of all)
    for (const state of Object.keys(total) as (keyof StateCounts)[]) total[state] += counts[state];
  return total;
}
