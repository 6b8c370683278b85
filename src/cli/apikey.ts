// `petrel apikey create`: another API key for an existing account (the full key is printed once).
import type { Command } from 'commander';
import { toSendingSettingsView } from '../domain/sending-settings.js';
import { createApiKey } from '../operations/api-keys.js';
import { isAccountOpen } from '../operations/context.js';
import { loadCliConfig } from './config.js';
import { resolveAccount, withSession } from './context.js';
import { printFields, printJson, printLine } from './output.js';

interface CreateOptions {
  account: string;
  endpoints: string;
  description?: string;
  json?: boolean;
}

function parseEndpoints(list: string): string[] {
  return list
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
}

export function registerApiKeyCommands(program: Command): void {
  const apikey = program.command('apikey').description('Manage API keys');
  apikey
    .command('create')
    .description('Create an API key for an account; the key is shown only once')
    .requiredOption('--account <id>', 'the account (master or subaccount) the key belongs to')
    .option(
      '--endpoints <list>',
      'comma-separated endpoints the key may call, e.g. "/users/smtp/*,/email/send"',
      '*',
    )
    .option('--description <text>', 'what the key is for')
    .option('--json', 'print the same object as the API\'s /v3/api_keys/add answers in "data"')
    .addHelpText(
      'after',
      `
Example:
  $ petrel apikey create --account 3fz8k2m1q9xw --endpoints "/users/smtp/*" --description "provisioning"`,
    )
    .action(async (options: CreateOptions, command: Command) => {
      const config = loadCliConfig(command);
      const endpoints = parseEndpoints(options.endpoints);
      if (endpoints.length === 0) command.error('--endpoints must name at least one endpoint');
      const { key, record, open } = await withSession(config, { createDataDir: false }, async ({ ops }) => {
        const account = await resolveAccount(ops, options.account);
        const created = await createApiKey(ops, account.id, {
          endpoints,
          ...(options.description !== undefined ? { description: options.description } : {}),
        });
        return { ...created, open: isAccountOpen(account) };
      });
      if (options.json) {
        printJson({
          api_key: key,
          id: record.id,
          description: record.description,
          endpoints: record.endpoints,
          ...toSendingSettingsView(record.settings, open),
        });
        return;
      }
      printLine(`Created an API key for account ${record.accountId}.`);
      printFields({
        id: record.id,
        'API key': key,
        endpoints: record.endpoints.join(', '),
        description: record.description,
      });
      printLine('This API key is shown only now: Petrel keeps only its hash. Store it somewhere safe.');
    });
}
