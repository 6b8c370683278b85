// The primary process of `petrel serve` under PETREL_WORKERS > 1 (docs/workers.md): prepares what the
// workers share (migrations, secrets, the TLS certificate) once, forks one worker per spool shard, which
// share the listening sockets through node:cluster, restarts a worker that dies, and stops them all
// gracefully on SIGTERM/SIGINT.
import cluster, { type Worker } from 'node:cluster';
import { constants } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/settings.js';
import { prepareDataDir } from '../data-dir.js';
import { existingShards } from '../spool/shards.js';
import { SpoolInUseError } from '../spool/index.js';
import { lockHolder } from '../spool/lock-file.js';
import { spoolLockFile } from '../spool/spool.js';
import { serveClusterMetrics } from './cluster-metrics.js';
import { serveClientGuard } from './client-guard-channel.js';
import { serveRequestCounter } from './request-counter-channel.js';
import { batchedCounter } from '../api/batched-counter.js';
import { openStore } from '../store/database.js';
import { requestCountsRepository } from '../store/repositories/request-counts.js';
import { LocalClientGuard, clientGuardOptions } from '../smtp/client-guard.js';
import { workerExecArgv } from './worker-heap.js';

/** Signals this close together are one request sent twice. */
const DUPLICATE_SIGNAL_MS = 1000;

/** Environment variables that tell a forked process which worker it is. */
export const WORKER_INDEX_ENV = 'PETREL_WORKER_INDEX';
export const WORKER_COUNT_ENV = 'PETREL_WORKER_COUNT';

const READY = 'petrel:worker-ready';
/** A worker that dies sooner than this after starting is restarted after a growing pause. */
const STABLE_AFTER_MS = 30_000;
const RESTART_PAUSE_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
/** After a hard kill of a previous node its workers need a moment to notice and exit. */
const LOCK_WAIT_MS = 5_000;

export interface WorkerIdentity {
  index: number;
  count: number;
}

/** The identity of this process when it is a worker forked by the supervisor, else null. */
export function workerIdentity(): WorkerIdentity | null {
  if (!cluster.isWorker) return null;
  return {
    index: Number(process.env[WORKER_INDEX_ENV]),
    count: Number(process.env[WORKER_COUNT_ENV]),
  };
}

/** Tells the primary that this worker has started (its listeners are up). */
export function reportReady(): void {
  process.send?.({ type: READY });
}

/** Refuses to start beside a running node on the same data directory (each spool lock names its owner). */
async function assertSpoolsFree(dataDir: string): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (const shard of existingShards(dataDir)) {
    const lock = spoolLockFile(shard.dir);
    for (let holder = lockHolder(lock); holder !== null; holder = lockHolder(lock)) {
      if (Date.now() > deadline) throw new SpoolInUseError(lock, holder);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * On embedded SQLite the node's per-key API request count is kept here for every worker (the workers
 * ask over IPC; PostgreSQL counts each request in the database). Returns what to close at the end.
 */
function serveRequestCounts(config: Config, logger: Logger): { close(): Promise<void> } | null {
  if (config.databaseUrl !== null) return null;
  const store = openStore({ dataDir: config.dataDir, databaseUrl: null });
  const counter = batchedCounter(requestCountsRepository(store.db), (err: unknown) =>
    logger.warn({ err }, 'could not write API request counters (retried)'),
  );
  serveRequestCounter(counter);
  return {
    async close() {
      await counter.close();
      await store.close();
    },
  };
}

export async function superviseWorkers(config: Config, logger: Logger, count: number): Promise<void> {
  const workers = new Map<number, Worker>();
  const ready = new Set<number>();
  const everReady = new Set<number>();
  const failures = new Map<number, number>();
  /** Forked at start-up and neither ready nor gone yet. */
  const starting = new Set<number>();
  let startFailed = false;
  let stopping = false;
  let stoppingSince = 0;
  let exitCode = 0;
  let allExited: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allExited = resolve));

  const stopAll = (): void => {
    stopping = true;
    for (const worker of workers.values()) worker.process.kill('SIGTERM');
    // None running (all between a crash and their restart, or not started yet): nothing to wait for.
    if (workers.size === 0) allExited();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // One stop request sent twice at once (a service manager signalling the whole group) is not the
      // operator's second signal.
      if (Date.now() - stoppingSince < DUPLICATE_SIGNAL_MS) return;
      logger.warn({ signal }, 'second signal: stopping the workers without waiting');
      for (const worker of workers.values()) worker.process.kill('SIGKILL');
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
    stoppingSince = Date.now();
    logger.info({ signal, workers: workers.size }, 'shutting down the workers');
    stopAll();
  };
  // Installed before the preparation, so that a signal during it still ends in a clean stop.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  await assertSpoolsFree(config.dataDir);
  await prepareDataDir(config, logger);
  serveClusterMetrics();
  serveClientGuard(new LocalClientGuard(clientGuardOptions(config)));
  const requestCounts = serveRequestCounts(config, logger);

  cluster.on('exit', (worker, code, signal) => {
    const index = [...workers].find(([, w]) => w === worker)?.[0];
    if (index === undefined) return;
    workers.delete(index);
    ready.delete(index);
    if (stopping) {
      // A worker still loading when the stop came ends by the signal itself, with nothing to lose.
      const stoppedWhileLoading = signal === 'SIGTERM' && !everReady.has(index);
      if (code !== 0 && !stoppedWhileLoading) exitCode = 1;
      if (workers.size === 0) allExited();
      return;
    }
    if (!everReady.has(index)) {
      // It never started: a port taken, a bad certificate… The same would happen again, so the node
      // stops, once the others have finished starting (and said why they failed, if they did).
      logger.fatal({ worker: index, code, signal }, 'workers: a worker failed to start; stopping');
      exitCode = 1;
      startFailed = true;
      starting.delete(index);
      if (starting.size === 0) stopAll();
      return;
    }
    const n = (failures.get(index) ?? 0) + 1;
    failures.set(index, n);
    const pause = RESTART_PAUSE_MS[Math.min(n - 1, RESTART_PAUSE_MS.length - 1)] ?? 30_000;
    logger.error(
      { worker: index, code, signal, restartInMs: pause },
      `workers: worker ${index} died; restarting it (its spool keeps every accepted message)`,
    );
    setTimeout(() => {
      if (!stopping) fork(index);
    }, pause).unref();
  });

  const fork = (index: number): void => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index), [WORKER_COUNT_ENV]: String(count) });
    workers.set(index, worker);
    const startedAt = Date.now();
    worker.on('message', (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type !== READY) return;
      ready.add(index);
      everReady.add(index);
      starting.delete(index);
      if (startFailed) {
        if (starting.size === 0) stopAll();
        return;
      }
      // A worker that stayed up a while starts its next restart from the shortest pause again.
      setTimeout(() => {
        if (workers.get(index) === worker && Date.now() - startedAt >= STABLE_AFTER_MS)
          failures.delete(index);
      }, STABLE_AFTER_MS).unref();
      if (ready.size === count && !stopping)
        logger.info({ workers: count }, `Petrel is running with ${count} workers`);
    });
  };

  logger.info({ workers: count, dataDir: config.dataDir }, `workers: starting ${count}`);
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS) });
  // Side by side, so that every worker listens before the first clients come (a session stays on the
  // worker it was handed to).
  for (let index = 0; index < count && !stopping; index++) {
    starting.add(index);
    fork(index);
  }
  await done;
  await requestCounts?.close();
  logger.info('Petrel stopped');
  process.exit(exitCode);
}
