// The periodic re-check of sender domains (SPEC §5, hourly by default): each domain whose last check is
// older than the interval is checked again, so a record that disappears unverifies the domain (and its
// mail goes out unsigned) at the next round. Any node may run it; a check is idempotent.
import type { Logger } from 'pino';
import { verifyRow } from '../operations/sender-domains.js';
import type { OperationsDeps } from '../operations/context.js';

const BATCH = 100;

export interface Recheck {
  /** One round now (tests, and the timer). */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function startDomainRecheck(deps: OperationsDeps, intervalMs: number, logger: Logger): Recheck {
  let running: Promise<number> | null = null;
  const round = async (): Promise<number> => {
    const before = new Date(Date.now() - intervalMs).toISOString();
    let checked = 0;
    for (;;) {
      const due = await deps.repos.senderDomains.listDue(before, BATCH);
      for (const row of due) {
        await verifyRow(deps, row);
        checked++;
      }
      if (due.length < BATCH) return checked;
    }
  };
  const runOnce = (): Promise<number> => {
    running ??= round()
      .catch((err: unknown) => {
        logger.warn({ err }, 'sender domains: the periodic re-check failed');
        return 0;
      })
      .finally(() => (running = null));
    return running;
  };
  // Looks for due domains a few times per interval (at most once a minute).
  const tick = Math.min(Math.max(intervalMs / 4, 1000), 60_000);
  const timer = setInterval(() => void runOnce(), tick);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
