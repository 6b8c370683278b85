// `petrel user add|list|edit|remove`: the SMTP-user operations of /v3/users/smtp/*, with the same
// request body, the same validation and the same result objects as the API.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import {
  AddSmtpUserBody,
  EditSmtpUserBody,
  RemoveSmtpUserBody,
  ViewSmtpUsersBody,
  type SmtpUserResult,
} from '../domain/schemas/smtp-users.js';
import { validateBody } from '../domain/validate.js';
import type { Caller, OperationsDeps } from '../operations/context.js';
import { addSmtpUser, editSmtpUser, removeSmtpUser, viewSmtpUsers } from '../operations/smtp-users.js';
import { loadCliConfig } from './config.js';
import { resolveAccount, withSession } from './context.js';
import { printFields, printJson, printLine, printTable } from './output.js';
import { addFieldOptions, fieldsFromOptions, numberOrText } from './user-options.js';

interface UserOptions extends Record<string, unknown> {
  account?: string;
  subaccountId?: string;
  username?: string;
  passwordStdin?: boolean;
  json?: boolean;
}

/** Options every user command has: which account, which subaccount, and the output form. */
function addCommonOptions(command: Command): Command {
  return command
    .option('--account <id>', 'act as this account (default: the master account)')
    .option('--subaccount-id <id>', 'act inside this subaccount of the account (subaccount_id)')
    .option('--json', 'print the result objects the API returns in data.results');
}

/** Leaves out what was not given, as an API client would. */
function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** The first line of stdin, so that a password need not appear in the process list. */
function readPasswordFromStdin(): string {
  return (readFileSync(0, 'utf8').split(/\r?\n/)[0] ?? '').trimEnd();
}

function settingsBody(options: UserOptions): Record<string, unknown> {
  return defined({
    username: options.username,
    ...fieldsFromOptions(options),
    ...(options.passwordStdin ? { email_password: readPasswordFromStdin() } : {}),
    subaccount_id: options.subaccountId,
  });
}

/** Opens the store, picks the caller's account, and runs one operation as the CLI caller. */
function runAs<T>(
  command: Command,
  options: UserOptions,
  operation: (ops: OperationsDeps, caller: Caller) => Promise<T>,
): Promise<T> {
  const config = loadCliConfig(command);
  return withSession(config, { createDataDir: false }, async ({ ops }) => {
    const account = await resolveAccount(ops, options.account);
    return operation(ops, { accountId: account.id, keyId: null });
  });
}

function showUser(user: SmtpUserResult, options: UserOptions, headline: string): void {
  if (options.json) return printJson(user);
  printLine(headline);
  // `comments` repeats `description`; the password is there only in the answer that set it.
  const { comments: _comments, email_password: password, username, ...rest } = user;
  printFields(password === null ? { username, ...rest } : { username, email_password: password, ...rest });
  if (password !== null) printLine('The password is shown only now: Petrel keeps only its hash.');
}

const SETTINGS_NOTE = `
Booleans have a --no- form; numbers must be numbers. The options are the API's fields in kebab-case.`;

function registerAdd(user: Command): void {
  const add = user
    .command('add')
    .description('Add an SMTP user (like POST /v3/users/smtp/add); options left out take the API defaults')
    .option('--username <name>', '5-100 characters from A-Z a-z 0-9 . _ @ + - (required)');
  addFieldOptions(add)
    .addOption(
      new Option('--password-stdin', 'read the password from the first line of stdin').conflicts('password'),
    )
    .addHelpText(
      'after',
      `${SETTINGS_NOTE}
When no password is given one is generated (24 characters) and shown once.

Example:
  $ petrel user add --username acme-web --custom-ratelimit-value 500 --custom-ratelimit-period "1 hour"`,
    );
  addCommonOptions(add).action(async (options: UserOptions, command: Command) => {
    const body = validateBody(AddSmtpUserBody, settingsBody(options));
    const result = await runAs(command, options, (ops, caller) => addSmtpUser(ops, caller, body));
    showUser(result, options, `Added SMTP user '${result.username}'.`);
  });
}

function registerList(user: Command): void {
  const list = user
    .command('list')
    .description('List SMTP users, a page at a time (like POST /v3/users/smtp/view)')
    .option('--username <name>', 'only this user')
    .option('--page-size <n>', 'users per page, 1 to 1000 (default: 100)')
    .option('--continue-token <token>', 'the token printed after the previous page')
    .addHelpText(
      'after',
      `
With --json the output is a JSON list; when more users follow, a line on stderr gives the token.

Example:
  $ petrel user list --page-size 50 --json`,
    );
  addCommonOptions(list).action(async (options: UserOptions, command: Command) => {
    const pageSize = options.pageSize as string | undefined;
    const body = validateBody(
      ViewSmtpUsersBody,
      defined({
        username: options.username,
        page_size: pageSize === undefined ? undefined : numberOrText(pageSize),
        continue_token: options.continueToken,
        subaccount_id: options.subaccountId,
      }),
    );
    const page = await runAs(command, options, (ops, caller) => viewSmtpUsers(ops, caller, body));
    const more = page.continueToken === null ? null : `--continue-token ${page.continueToken}`;
    if (options.json) {
      printJson(page.results);
      if (more) process.stderr.write(`petrel: more users follow; continue with ${more}\n`);
      return;
    }
    if (page.results.length === 0) return printLine('No SMTP users.');
    printTable(
      ['USERNAME', 'STATUS', 'SENDING', 'RATE LIMIT', 'IP POOL', 'DESCRIPTION'],
      page.results.map((u) => [
        u.username,
        u.status,
        u.sending_allowed ? 'yes' : 'no',
        u.custom_ratelimit ? `${u.custom_ratelimit_value} per ${u.custom_ratelimit_period}` : null,
        u.ippool,
        u.description.length > 40 ? `${u.description.slice(0, 39)}…` : u.description || null,
      ]),
    );
    if (more) printLine(`More users follow: petrel user list ${more}`);
  });
}

function registerEdit(user: Command): void {
  const edit = user
    .command('edit')
    .description('Change an SMTP user (like POST /v3/users/smtp/edit); options left out keep their value')
    .option('--username <name>', 'the SMTP user to change (required)');
  addFieldOptions(edit)
    .addOption(
      new Option('--password-stdin', 'read the new password from the first line of stdin').conflicts(
        'password',
      ),
    )
    .addHelpText(
      'after',
      `${SETTINGS_NOTE}

Example:
  $ petrel user edit --username acme-web --status sandbox --no-custom-ratelimit`,
    );
  addCommonOptions(edit).action(async (options: UserOptions, command: Command) => {
    const body = validateBody(EditSmtpUserBody, settingsBody(options));
    const result = await runAs(command, options, (ops, caller) => editSmtpUser(ops, caller, body));
    showUser(result, options, `Updated SMTP user '${result.username}'.`);
  });
}

function registerRemove(user: Command): void {
  const remove = user
    .command('remove')
    .description(
      'Remove an SMTP user (like POST /v3/users/smtp/remove); mail already accepted is still delivered',
    )
    .option('--username <name>', 'the SMTP user to remove (required)')
    .addHelpText(
      'after',
      `
Example:
  $ petrel user remove --username acme-web`,
    );
  addCommonOptions(remove).action(async (options: UserOptions, command: Command) => {
    const body = validateBody(
      RemoveSmtpUserBody,
      defined({ username: options.username, subaccount_id: options.subaccountId }),
    );
    const result = await runAs(command, options, (ops, caller) => removeSmtpUser(ops, caller, body));
    showUser(result, options, `Removed SMTP user '${result.username}'.`);
  });
}

export function registerUserCommands(program: Command): void {
  const user = program
    .command('user')
    .description('Manage SMTP users, with the same rules as the API (/v3/users/smtp/*)');
  registerAdd(user);
  registerList(user);
  registerEdit(user);
  registerRemove(user);
}
