// `petrel init`: prepares an installation — the data directory, the database schema, the master account
// and its first API key, which is printed once and never again.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createMasterAccount } from '../operations/accounts.js';
import { loadCliConfig } from './config.js';
import { withSession } from './context.js';
import { printFields, printJson, printLine } from './output.js';

interface InitOptions {
  name: string;
  json?: boolean;
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description(
      'Create the data directory, apply the database migrations, and create the master account with its ' +
        'first API key (shown only once). Safe to run on an existing data directory; refuses to create a ' +
        'second master account.',
    )
    .option('--name <name>', 'name of the master account', 'Master account')
    .option('--json', 'print only {"account_id":…,"api_key":…}')
    .addHelpText(
      'after',
      `
Example:
  $ PETREL_DATA_DIR=/var/lib/petrel petrel init --name "Acme Mail"`,
    )
    .action(async (options: InitOptions, command: Command) => {
      const config = loadCliConfig(command);
      // The data directory holds the spool and queue even when the database is PostgreSQL.
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      const result = await withSession(config, { createDataDir: true }, ({ ops }) =>
        createMasterAccount(ops, options.name),
      );
      if (options.json) {
        printJson({ account_id: result.account_id, api_key: result.api_key });
        return;
      }
      printLine(`Initialised Petrel in ${resolve(config.dataDir)}.`);
      printFields({ 'account id': result.account_id, 'API key': result.api_key });
      printLine('This API key is shown only now: Petrel keeps only its hash. Store it somewhere safe.');
    });
}
