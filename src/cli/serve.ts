// `petrel serve`: runs one node (API, console, tracking, SMTP, delivery) until SIGTERM or SIGINT, then
// closes it gracefully; a second signal exits at once.
import { constants } from 'node:os';
import { Option, type Command } from 'commander';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { createLogger, wantsPretty, type LogFormat } from '../logger.js';
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
      await serve(config, createLogger(config.logLevel, process.stdout, { pretty }));
    });
}
