// `petrel suppression add|list|remove`: the suppression list of /v3/suppression/* (SPEC §8), with the
// same request bodies, validation and answers as the API.
import type { Command } from 'commander';
import {
  SuppressionAddBody,
  SuppressionRemoveBody,
  SuppressionViewBody,
} from '../domain/schemas/suppressions.js';
import { validateBody } from '../domain/validate.js';
import type { Caller, OperationsDeps } from '../operations/context.js';
import { addSuppression, removeSuppression, viewSuppressions } from '../operations/suppressions.js';
import { loadCliConfig } from './config.js';
import { resolveAccount, withSession } from './context.js';
import { printJson, printLine, printTable } from './output.js';
import { numberOrText } from './user-options.js';

interface Options extends Record<string, unknown> {
  account?: string;
  subaccountId?: string;
  json?: boolean;
}

function common(command: Command): Command {
  return command
    .option('--account <id>', 'act as this account (default: the master account)')
    .option('--subaccount-id <id>', 'act inside this subaccount of the account (subaccount_id)')
    .option('--json', 'print the object the API answers in "data"');
}

function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function runAs<T>(
  command: Command,
  options: Options,
  operation: (ops: OperationsDeps, caller: Caller) => Promise<T>,
): Promise<T> {
  return withSession(loadCliConfig(command), { createDataDir: false }, async ({ ops }) => {
    const account = await resolveAccount(ops, options.account);
    return operation(ops, { accountId: account.id, keyId: null });
  });
}

function list(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function registerSuppressionCommands(program: Command): void {
  const suppression = program
    .command('suppression')
    .description('Manage the suppression list: addresses and domains that mail is not delivered to');

  common(
    suppression
      .command('add')
      .description('Suppress an address or a whole domain (like POST /v3/suppression/add)')
      .argument('<address-or-domain>', 'an email address, or a domain written bare (example.net)')
      .option('--description <text>', 'why (block_description)')
      .addHelpText(
        'after',
        '\nExample:\n  $ petrel suppression add spam-trap@example.net --description "complaint by phone"',
      ),
  ).action(async (target: string, options: Options & { description?: string }, command: Command) => {
    const body = validateBody(
      SuppressionAddBody,
      defined({
        email_address: target,
        block_description: options.description,
        subaccount_id: options.subaccountId,
      }),
    );
    const result = await runAs(command, options, (ops, caller) => addSuppression(ops, caller, body));
    if (options.json) return printJson(result);
    printLine(
      result.added
        ? `Suppressed ${result.email_address}.`
        : `${result.email_address} was already suppressed.`,
    );
  });

  common(
    suppression
      .command('list')
      .description(
        'List suppressions with their reason and time, newest first (like POST /v3/suppression/view)',
      )
      .option('--search <text>', 'only addresses or domains containing this text')
      .option('--types <list>', 'comma-separated: manual, spam, unsubscribe, bounce, compliance')
      .option('--limit <n>', 'entries per page, 1 to 1000 (default: 100)')
      .option('--continue-token <token>', 'the token printed after the previous page')
      .addHelpText('after', '\nExample:\n  $ petrel suppression list --types bounce,unsubscribe --json'),
  ).action(
    async (
      options: Options & { search?: string; types?: string; limit?: string; continueToken?: string },
      command: Command,
    ) => {
      const body = validateBody(
        SuppressionViewBody,
        defined({
          wildcard: options.search,
          suppression_types: list(options.types),
          limit: options.limit === undefined ? undefined : numberOrText(options.limit),
          continue_token: options.continueToken,
          subaccount_id: options.subaccountId,
        }),
      );
      const page = await runAs(command, options, (ops, caller) => viewSuppressions(ops, caller, body));
      if (options.json) return printJson(page);
      if (page.results.length === 0) return printLine('No suppressions.');
      printTable(
        ['ADDRESS', 'REASON', 'SINCE (UTC)', 'SENDER', 'DESCRIPTION'],
        page.results.map((r) => [
          r.email_address,
          r.reason,
          r.timestamp,
          r.username || '(all)',
          r.block_description,
        ]),
      );
      printLine(`${page.total_results} in all.`);
      if (page.continue_token) printLine(`More follow: --continue-token ${page.continue_token}`);
    },
  );

  common(
    suppression
      .command('remove')
      .description(
        'Remove the suppressions of an address or domain, re-opening delivery (like POST /v3/suppression/remove)',
      )
      .argument('<address-or-domain>', 'the address or domain to remove')
      .option('--types <list>', 'only these kinds, comma-separated (default: all)')
      .addHelpText(
        'after',
        '\nExample:\n  $ petrel suppression remove alice@example.org --types unsubscribe',
      ),
  ).action(async (target: string, options: Options & { types?: string }, command: Command) => {
    const body = validateBody(
      SuppressionRemoveBody,
      defined({ email_address: target, reasons: list(options.types), subaccount_id: options.subaccountId }),
    );
    const result = await runAs(command, options, (ops, caller) => removeSuppression(ops, caller, body));
    if (options.json) return printJson(result);
    const removed = result.suppressions.filter((s) => s.removed).map((s) => s.reason);
    printLine(
      removed.length === 0
        ? `No suppression of ${body.email_address} removed.`
        : `Removed ${removed.join(', ')} suppression of ${body.email_address}.`,
    );
  });
}
