// `petrel migrate`: applies pending database migrations (serve also does this on start; this command
// lets an operator do it ahead of a rolling upgrade).
import type { Command } from 'commander';
import { loadCliConfig } from './config.js';
import { withSession } from './context.js';
import { printJson, printLine } from './output.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (SQLite in the data directory, or PETREL_DATABASE_URL)')
    .option('--json', 'print {"applied":[…names…]}')
    .addHelpText(
      'after',
      `
Example:
  $ PETREL_DATABASE_URL=postgres://petrel@db/petrel petrel migrate`,
    )
    .action(async (options: { json?: boolean }, command: Command) => {
      const config = loadCliConfig(command);
      const { applied } = await withSession(config, { createDataDir: true }, ({ migrations }) =>
        Promise.resolve(migrations),
      );
      if (options.json) printJson({ applied });
      else if (applied.length === 0) printLine('The database is up to date.');
      else for (const name of applied) printLine(`Applied migration ${name}`);
    });
}
