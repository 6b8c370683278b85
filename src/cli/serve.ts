// `petrel serve`: runs one node (API, console, tracking, SMTP, delivery) until SIGTERM or SIGINT, then
// closes it gracefully; a second signal exits at once.
import { constants } from 'node:os';
import { Option, type Command } from 'commander';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { createLogger, wantsPretty, type LogFormat } from '../logger.js';
import type { PetrelNode } from '../server.js';
import { sqliteRuntime } from '../store/sqlite/driver.js';
import { loadCliConfig } from './config.js';
import { workersToRun } from '../spool/shards.js';
import { reportReady, superviseWorkers, workerIdentity, type WorkerIdentity } from '../workers/supervisor.js';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/** Signals this close together are one request sent twice (see onSignal). */
const DUPLICATE_SIGNAL_MS = 1000;

async function serve(config: Config, logger: Logger, worker: WorkerIdentity | null): Promise<void> {
  let node: PetrelNode | null = null;
  let stopping = false;
  let stoppingSince = 0;

  const shutdown = (running: PetrelNode): void => {
    running.close().then(
      () => {
        logger.info('Petrel stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };

  // Installed before start-up, so that a signal during start-up still ends in a clean close.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A worker may get one SIGTERM from its supervisor and one from a service manager that signals the
      // whole group (systemd's default): the same request, not the operator's second signal.
      if (worker && Date.now() - stoppingSince < DUPLICATE_SIGNAL_MS) return;
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
    stopping = true;
    stoppingSince = Date.now();
    logger.info({ signal }, 'shutting down');
    if (node) shutdown(node);
  };
  // A worker stops when its supervisor says so (SIGTERM); the Ctrl-C a terminal sends to the whole
  // process group reaches the supervisor, which passes it on once.
  const signals = worker ? (['SIGTERM'] as const) : SIGNALS;
  for (const signal of signals) process.on(signal, onSignal);
  if (worker) process.on('SIGINT', () => undefined);

  try {
    // Loaded here, not at the top: a supervisor of workers never runs a node and stays small.
    const { startNode } = await import('../server.js');
    node = await startNode(config, logger, worker ? { worker } : {});
  } catch (err) {
    for (const signal of signals) process.off(signal, onSignal);
    throw err;
  }
  if (worker) reportReady();
  logger.info(
    { http: node.httpUrl, public: config.publicUrl },
    `Petrel is running: API at ${node.httpUrl}/v3/`,
  );
  if (stopping) shutdown(node);
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Run a Petrel node: HTTP API, console and tracking, SMTP listeners and the delivery worker. ' +
        'Applies pending database migrations on start. Stops gracefully on SIGTERM or SIGINT.',
    )
    .addHelpText(
      'after',
      `
Settings come from --config and PETREL_* variables (PETREL_HTTP_LISTEN, PETREL_SMTP_LISTEN, ...).
PETREL_WORKERS (default: the number of cores) runs that many processes sharing the listeners, each
with its own spool shard (docs/workers.md); 1 runs everything in this one process.
Logs go to stdout at PETREL_LOG_LEVEL (default info): readable lines when stdout is a terminal,
JSON lines otherwise; --log-format (or PETREL_LOG_FORMAT) json|pretty forces either.

Example:
  $ PETREL_HTTP_LISTEN=0.0.0.0:8080 petrel serve --config /etc/petrel.json`,
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines: auto, json or pretty (overrides PETREL_LOG_FORMAT)',
      ).choices(['auto', 'json', 'pretty']),
    )
    .action(async (options: { logFormat?: LogFormat }, command: Command) => {
      const config = loadCliConfig(command);
      const pretty = wantsPretty(options.logFormat ?? config.logFormat, process.stdout);
      const logger = createLogger(config.logLevel, process.stdout, { pretty });
      const worker = workerIdentity();
      if (worker) {
        const workerLogger = logger.child({ worker: worker.index });
        try {
          return await serve(config, workerLogger, worker);
        } catch (err) {
          // Workers start side by side and usually fail alike (a port taken): the first one's line on
          // stderr says it once; the others log theirs.
          if (worker.index === 0) throw err;
          workerLogger.fatal({ err }, 'could not start');
          process.exit(1);
        }
      }
      const runtime = sqliteRuntime();
      logger.info(
        runtime,
        `Node ${runtime.node}, SQLite ${runtime.sqliteVersion} through ${runtime.sqliteDriver}`,
      );
      const workers = await workersToRun(config.dataDir, config.workers, logger);
      if (workers === 1) return serve(config, logger, null);
      await superviseWorkers(config, logger, workers);
    });
}
