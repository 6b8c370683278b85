#!/usr/bin/env node
// The `petrel` command (SPEC §4.1): builds the command tree, runs it, and turns any failure into one
// line on stderr and an exit code.
import { Command } from 'commander';
import { registerApiKeyCommands } from './apikey.js';
import { currentLogLevel } from './context.js';
import { registerInitCommand } from './init.js';
import { isDebugLevel } from './log.js';
import { registerMigrateCommand } from './migrate.js';
import { reportError } from './output.js';
import { registerServeCommand } from './serve.js';
import { registerUserCommands } from './user.js';
import { registerBenchCommand } from './bench.js';
import { registerQueueCommands } from './queue.js';
import { registerDomainCommands } from './domain.js';
import { registerRestrictionCommands } from './restrictions.js';
import { registerSuppressionCommands } from './suppression.js';
import { registerStatusCommand } from './status.js';
import { PETREL_VERSION } from '../version.js';

function buildProgram(): Command {
  const program = new Command('petrel')
    .description('Petrel, a self-hosted email relay with an SMTP2GO-compatible API')
    .version(PETREL_VERSION)
    .option(
      '--config <file>',
      'JSON configuration file; PETREL_* environment variables override it (see docs/configuration.md)',
    )
    .configureHelp({ showGlobalOptions: true })
    // Settings made before .command() are inherited by every subcommand.
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`petrel: ${text.replace(/^error: /, '')}`),
    });
  registerServeCommand(program);
  registerInitCommand(program);
  registerMigrateCommand(program);
  registerApiKeyCommands(program);
  registerUserCommands(program);
  registerBenchCommand(program);
  registerQueueCommands(program);
  registerDomainCommands(program);
  registerRestrictionCommands(program);
  registerSuppressionCommands(program);
  registerStatusCommand(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  const code = reportError(err, isDebugLevel(currentLogLevel()));
  // Exit now: a half-opened store or listener must not keep a failed command alive.
  process.exit(code);
}
