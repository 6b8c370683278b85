// The periodic purge of what Petrel keeps only for a while: archived messages past the archive retention
// and sandboxed messages past the sandbox retention. The composition root starts it beside the spool.
import type { Logger } from 'pino';
import type { SpoolQueue } from '../spool/index.js';
import type { Archiver } from './archiver.js';
import { purgeExpiredSandbox } from './sandbox-messages.js';

export interface RetentionOptions {
  archiver: Archiver;
  queue: SpoolQueue;
  /** PETREL_SANDBOX_RETENTION_DAYS. */
  sandboxRetentionDays: number;
  logger: Logger;
  /** Also run on each pass (the activity events' retention), if given. */
  purgeEvents?: () => Promise<void>;
  /** Between two passes; default one hour (retention is counted in days, so this is precise enough). */
  intervalMs?: number;
}

export interface RetentionTimer {
  /** One pass now (also what the timer runs); resolves when it is done. */
  runOnce(): Promise<void>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

const HOUR_MS = 3_600_000;

export function startRetention(options: RetentionOptions): RetentionTimer {
  const { archiver, queue, sandboxRetentionDays, logger } = options;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const pass = async (): Promise<void> => {
    try {
      await archiver.purgeExpired();
    } catch (err) {
      logger.error({ err }, 'archive retention purge failed; retrying at the next pass');
    }
    try {
      const removed = await purgeExpiredSandbox(queue, sandboxRetentionDays);
      if (removed > 0) logger.info({ removed, sandboxRetentionDays }, 'sandbox: expired messages purged');
    } catch (err) {
      logger.error({ err }, 'sandbox retention purge failed; retrying at the next pass');
    }
    try {
      await options.purgeEvents?.();
    } catch (err) {
      logger.error({ err }, 'event retention purge failed; retrying at the next pass');
    }
  };
  const runOnce = (): Promise<void> => {
    running = running.then(pass);
    return running;
  };

  // The first pass waits one interval too: a node starting up has better things to do.
  const timer = setInterval(() => {
    if (!stopped) void runOnce();
  }, options.intervalMs ?? HOUR_MS);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
