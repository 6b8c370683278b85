#!/usr/bin/env node
// The `petrel` command (SPEC §4.1): builds the command tree, runs it, and turns any failure into one
// line on stderr and an exit code.
import { Command } from 'commander';
import { currentLogLevel } from './config.js';
import { isDebugLevel } from './log.js';
import { reportError } from './output.js';
import { registerServeCommand } from './serve.js';
import { PETREL_VERSION } from '../version.js';

/**
 * The command being run when it is `serve`: then only that command is loaded, so that a supervisor of
 * workers does not hold the modules of every other command (docs/memory.md). Anything else (another
 * command, --help, a mistake) loads them all and lets commander judge.
 */
function runsServe(args: string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--config') i++;
    else if (!arg.startsWith('--config=')) return arg === 'serve';
  }
  return false;
}

async function buildProgram(): Promise<Command> {
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
  if (runsServe(process.argv.slice(2))) registerServeCommand(program);
  else (await import('./commands.js')).registerCommands(program);
  return program;
}

try {
  await (await buildProgram()).parseAsync(process.argv);
} catch (err) {
  const code = reportError(err, isDebugLevel(currentLogLevel()));
  // Exit now: a half-opened store or listener must not keep a failed command alive.
  process.exit(code);
}
