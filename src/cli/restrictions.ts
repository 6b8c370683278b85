// `petrel allowed-senders|allowed-recipients|ip-allow|ip-auth …`: the access restrictions of SPEC §8, with
// the same request bodies, validation and answers as /v3/allowed_senders/*, /v3/allowed_recipients/*,
// /v3/ip_allow_list* and /v3/ip_auth/*. The CLI has no client address, so it is never locked out: it is
// how an operator repairs an API IP allow list that shuts every key out.
import type { Command } from 'commander';
import type { TSchema } from '@sinclair/typebox';
import {
  AllowedRecipientsBody,
  AllowedSendersBody,
  IpAllowAddBody,
  IpAllowEditBody,
  IpAllowListBody,
  IpAllowRemoveBody,
  IpAllowViewBody,
  IpAuthEditBody,
  IpAuthRemoveBody,
  IpAuthViewBody,
  UpdateAllowedRecipientsBody,
  UpdateAllowedSendersBody,
  ViewListBody,
} from '../domain/schemas/restrictions.js';
import { validateBody } from '../domain/validate.js';
import { allowedRecipients, allowedSenders } from '../operations/address-lists.js';
import type { Caller, OperationsDeps } from '../operations/context.js';
import {
  addIpAllowEntry,
  editIpAllowEntry,
  removeIpAllowEntry,
  setIpAllowListEnabled,
  viewIpAllowList,
} from '../operations/ip-allow-list.js';
import { editIpAuth, removeIpAuth, viewIpAuth } from '../operations/ip-auth.js';
import { loadCliConfig } from './config.js';
import { resolveAccount, withSession } from './context.js';
import { printFields, printJson, printLine, printTable } from './output.js';
import { addFieldOptions, fieldsFromOptions } from './user-options.js';

type Options = Record<string, unknown> & { account?: string; subaccountId?: string; json?: boolean };

function common(command: Command): Command {
  return command
    .option('--account <id>', 'act as this account (default: the master account)')
    .option('--subaccount-id <id>', 'act inside this subaccount of the account (subaccount_id)')
    .option('--json', 'print the object the API answers in "data"');
}

function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** Validates `fields` (plus subaccount_id) with the endpoint's schema and runs `operation` as the CLI. */
function run<S extends TSchema, T>(
  command: Command,
  options: Options,
  schema: S,
  fields: Record<string, unknown>,
  operation: (ops: OperationsDeps, caller: Caller, body: never) => Promise<T>,
): Promise<T> {
  const body = validateBody(schema, defined({ ...fields, subaccount_id: options.subaccountId }));
  return withSession(loadCliConfig(command), { createDataDir: false }, async ({ ops }) => {
    const account = await resolveAccount(ops, options.account);
    return operation(ops, { accountId: account.id, keyId: null }, body as never);
  });
}

const example = (lines: string) => `\nExample:\n${lines}`;

function registerAddressList(program: Command, name: 'allowed-senders' | 'allowed-recipients'): void {
  const senders = name === 'allowed-senders';
  const field = senders ? 'allowed_senders' : 'allowed_recipients';
  const group = program
    .command(name)
    .description(
      senders
        ? 'Allowed senders: with mode whitelist only these senders may be used, with blacklist these may not'
        : 'Allowed recipients: when enabled, mail may go only to these addresses and domains',
    );
  type ListOp = 'view' | 'add' | 'update' | 'remove';
  const operation = (
    ops: OperationsDeps,
    caller: Caller,
    op: ListOp,
    body: never,
  ): Promise<Record<string, unknown>> =>
    senders ? allowedSenders(ops, caller, op, body) : allowedRecipients(ops, caller, op, body);
  const show = (result: Record<string, unknown>, options: Options) => {
    if (options.json) return printJson(result);
    const entries = result[field] as string[];
    printFields(senders ? { mode: result.mode } : { enabled: result.enabled });
    for (const entry of entries) printLine(`  ${entry}`);
    if (entries.length === 0) printLine('  (no entries)');
  };
  common(group.command('list').description(`Show the list (like POST /v3/${field}/view)`)).action(
    async (options: Options, command: Command) =>
      show(await run(command, options, ViewListBody, {}, (o, c, b) => operation(o, c, 'view', b)), options),
  );
  for (const op of ['add', 'remove'] as const) {
    const cmd = group
      .command(op)
      .description(
        `${op === 'add' ? 'Add' : 'Remove'} addresses or bare domains (like POST /v3/${field}/${op})`,
      )
      .argument('<entries...>', 'email addresses and domain names, e.g. ops@shop.example brand.example');
    if (!senders) cmd.option('--enable', 'also enable the list').option('--disable', 'also disable the list');
    cmd.addHelpText('after', example(`  $ petrel ${name} ${op} ops@shop.example brand.example`));
    common(cmd).action(async (entries: string[], options: Options, command: Command) => {
      const enabled = options.enable ? true : options.disable ? false : undefined;
      const schema = senders ? AllowedSendersBody : AllowedRecipientsBody;
      const result = await run(command, options, schema, { [field]: entries, enabled }, (o, c, b) =>
        operation(o, c, op, b),
      );
      show(result, options);
    });
  }
  const set = group
    .command('set')
    .description(`Replace the whole list (like POST /v3/${field}/update)`)
    .argument('[entries...]', 'the new entries (none: an empty list)');
  if (senders) set.requiredOption('--mode <mode>', 'whitelist, blacklist or disabled');
  else set.option('--enable', 'enable the list').option('--disable', 'disable the list (the default)');
  set.addHelpText(
    'after',
    example(
      senders
        ? `  $ petrel allowed-senders set --mode whitelist shop.example`
        : `  $ petrel allowed-recipients set --enable team.example boss@partner.example`,
    ),
  );
  common(set).action(async (entries: string[], options: Options, command: Command) => {
    const fields = senders
      ? { allowed_senders: entries, mode: options.mode }
      : { allowed_recipients: entries, enabled: Boolean(options.enable) && !options.disable };
    const schema = senders ? UpdateAllowedSendersBody : UpdateAllowedRecipientsBody;
    show(await run(command, options, schema, fields, (o, c, b) => operation(o, c, 'update', b)), options);
  });
}

function registerIpAllow(program: Command): void {
  const group = program
    .command('ip-allow')
    .description(
      "IP allow lists: where the account's SMTP users may log in from (smtp) or its API keys work (api)",
    );
  const typed = (cmd: Command) => common(cmd).option('--type <type>', 'smtp (default) or api');
  const showEntry = (entry: { ip_address: string; description: string }, options: Options, what: string) => {
    if (options.json) return printJson(entry);
    printLine(`${what} ${entry.ip_address}${entry.description ? ` (${entry.description})` : ''}.`);
  };
  typed(
    group.command('list').description('Show a list and whether it is enabled (like /v3/ip_allow_list/view)'),
  ).action(async (options: Options, command: Command) => {
    const result = await run(command, options, IpAllowViewBody, { type: options.type }, viewIpAllowList);
    if (options.json) return printJson(result);
    printFields({ enabled: result.enabled });
    printTable(
      ['ip_address', 'description'],
      result.ip_addresses.map((e) => [e.ip_address, e.description]),
    );
  });
  for (const enabled of [true, false]) {
    typed(
      group
        .command(enabled ? 'enable' : 'disable')
        .description(`${enabled ? 'Enable' : 'Disable'} a list (like POST /v3/ip_allow_list)`),
    ).action(async (options: Options, command: Command) => {
      const result = await run(
        command,
        options,
        IpAllowListBody,
        { type: options.type, enabled },
        (o, c, b) => setIpAllowListEnabled(o, c, b, null),
      );
      if (options.json) return printJson(result);
      printLine(
        `The ${options.type === 'api' ? 'api' : 'smtp'} IP allow list is ${result.enabled ? 'enabled' : 'disabled'}.`,
      );
    });
  }
  typed(
    group
      .command('add')
      .description('Add an address or CIDR block (like /v3/ip_allow_list/add); overlaps are refused')
      .argument('<ip_address>', 'e.g. 203.0.113.0/24 or 2001:db8::/48')
      .option('--description <text>', 'what the network is')
      .addHelpText(
        'after',
        example('  $ petrel ip-allow add 203.0.113.0/24 --type api --description office'),
      ),
  ).action(async (ip: string, options: Options, command: Command) => {
    const fields = { ip_address: ip, description: options.description, type: options.type };
    showEntry(await run(command, options, IpAllowAddBody, fields, addIpAllowEntry), options, 'Added');
  });
  typed(
    group
      .command('edit')
      .description('Change an entry (like /v3/ip_allow_list/edit)')
      .argument('<ip_address>', 'the entry as listed')
      .option('--new-ip-address <cidr>', 'its new address or CIDR block')
      .option('--description <text>', 'its new description'),
  ).action(async (ip: string, options: Options, command: Command) => {
    const fields = {
      ip_address: ip,
      new_ip_address: options.newIpAddress,
      description: options.description,
      type: options.type,
    };
    const result = await run(command, options, IpAllowEditBody, fields, (o, c, b) =>
      editIpAllowEntry(o, c, b, null),
    );
    showEntry(result, options, 'Now');
  });
  typed(
    group
      .command('remove')
      .description('Remove an entry (like /v3/ip_allow_list/remove)')
      .argument('<ip_address>', 'the entry as listed'),
  ).action(async (ip: string, options: Options, command: Command) => {
    const fields = { ip_address: ip, type: options.type };
    const result = await run(command, options, IpAllowRemoveBody, fields, (o, c, b) =>
      removeIpAllowEntry(o, c, b, null),
    );
    showEntry(result, options, 'Removed');
  });
}

function registerIpAuth(program: Command): void {
  const group = program
    .command('ip-auth')
    .description(
      'IP-authenticated senders: networks that send over SMTP without a login (like /v3/ip_auth/*)',
    );
  common(
    group
      .command('list')
      .description('List the entries (like /v3/ip_auth/view)')
      .option('--ip-address <ip>', 'only this one'),
  ).action(async (options: Options, command: Command) => {
    const results = await run(
      command,
      options,
      IpAuthViewBody,
      { ip_address: options.ipAddress },
      viewIpAuth,
    );
    if (options.json) return printJson({ results });
    printTable(
      ['ip_address', 'status', 'description'],
      results.map((r) => [r.ip_address, r.status, r.description]),
    );
  });
  const set = group
    .command('set')
    .description(
      'Add an entry, or change one (like PATCH /v3/ip_auth/edit); options left out keep their value',
    )
    .argument('<ip_address>', 'an address or CIDR block, e.g. 192.0.2.10');
  addFieldOptions(set).addHelpText(
    'after',
    example('  $ petrel ip-auth set 192.0.2.10 --description printer --status sandbox'),
  );
  common(set).action(async (ip: string, options: Options, command: Command) => {
    const fields = { ip_address: ip, ...fieldsFromOptions(options) };
    const { result, added } = await run(command, options, IpAuthEditBody, fields, editIpAuth);
    if (options.json) return printJson(result);
    printLine(`${added ? 'Added' : 'Changed'} IP auth entry ${result.ip_address}.`);
    printFields({ status: result.status, description: result.description });
  });
  common(
    group
      .command('remove')
      .description('Remove an entry (like /v3/ip_auth/remove)')
      .argument('<ip_address>', 'the entry'),
  ).action(async (ip: string, options: Options, command: Command) => {
    const result = await run(command, options, IpAuthRemoveBody, { ip_address: ip }, removeIpAuth);
    if (options.json) return printJson(result);
    printLine(`Removed IP auth entry ${result.ip_address}.`);
  });
}

export function registerRestrictionCommands(program: Command): void {
  registerAddressList(program, 'allowed-senders');
  registerAddressList(program, 'allowed-recipients');
  registerIpAllow(program);
  registerIpAuth(program);
}
