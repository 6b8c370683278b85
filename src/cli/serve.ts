// `petrel serve`: runs one node (API, console, tracking, SMTP, delivery) until SIGTERM or SIGINT, then
// closes it gracefully; a second signal exits at once.
import { constants } from 'node:os';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { createLogger } from '../logger.js';
import { startNode, type PetrelNode } from '../server.js';
import { sqliteRuntime } from '../store/sqlite/driver.js';
import { loadCliConfig } from './context.js';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

async function serve(config: Config, logger: Logger): Promise<void> {
  let node: PetrelNode | null = null;
  let stopping = false;

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
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    if (node) shutdown(node);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);

  const runtime = sqliteRuntime();
  logger.info(
    runtime,
    `Node ${runtime.node}, SQLite ${runtime.sqliteVersion} through ${runtime.sqliteDriver}`,
  );
  try {
    node = await startNode(config, logger);
  } catch (err) {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    throw err;
  }
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
Logs are JSON lines on stdout at PETREL_LOG_LEVEL (default info).

Example:
  $ PETREL_HTTP_LISTEN=0.0.0.0:8080 petrel serve --config /etc/petrel.json`,
    )
    .action(async (_options: unknown, command: Command) => {
      const config = loadCliConfig(command);
      await serve(config, createLogger(config.logLevel));
    });
}
