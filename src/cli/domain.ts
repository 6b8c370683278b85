// `petrel domain add|list|verify|remove`: sender domains (SPEC §5) from the command line, through the
// same use cases as /v3/domain/* (same validation, same answers with --json).
import type { Command } from 'commander';
import type { DomainsResult } from '../domain/schemas/sender-domains.js';
import { addDomain, removeDomain, verifyDomain, viewDomains } from '../operations/sender-domains.js';
import type { OperationsDeps } from '../operations/context.js';
import { attachSenderDomains } from '../sender-domains/node.js';
import { loadCliConfig } from './config.js';
import { resolveAccount, withSession } from './context.js';
import { printJson, printLine, printTable } from './output.js';

interface DomainOptions {
  account?: string;
  json?: boolean;
  verify?: boolean;
}

const state = (verified: boolean) => (verified ? 'verified' : 'not verified');

function printDomains(result: DomainsResult, withRecords: boolean): void {
  if (result.domains.length === 0) {
    printLine('No sender domains.');
    return;
  }
  if (!withRecords) {
    printTable(
      ['domain', 'dkim', 'return path', 'tracking'],
      result.domains.map((e) => [
        e.domain.fulldomain,
        state(e.domain.dkim_verified),
        state(e.domain.rpath_verified),
        state(e.trackers[0]?.cname_verified ?? false),
      ]),
    );
    return;
  }
  for (const e of result.domains) {
    const d = e.domain;
    const t = e.trackers[0];
    printLine(`${d.fulldomain}: publish these records`);
    printTable(
      ['name', 'type', 'value', 'state', 'found instead'],
      [
        [
          `${d.dkim_selector}._domainkey.${d.fulldomain}`,
          'TXT',
          d.dkim_value,
          state(d.dkim_verified),
          d.dkim_status,
        ],
        [
          `${d.rpath_selector}.${d.fulldomain}`,
          'CNAME',
          d.rpath_value,
          state(d.rpath_verified),
          d.rpath_status,
        ],
        ...(t ? [[t.fulldomain, 'CNAME', t.cname_value, state(t.cname_verified), t.cname_status]] : []),
      ],
    );
  }
}

async function run(
  command: Command,
  options: DomainOptions,
  work: (ops: OperationsDeps, caller: { accountId: string; keyId: null }) => Promise<DomainsResult>,
  withRecords: boolean,
  done?: string,
): Promise<void> {
  const config = loadCliConfig(command);
  const result = await withSession(config, { createDataDir: false }, async ({ ops }) => {
    await attachSenderDomains(config, ops);
    const account = await resolveAccount(ops, options.account);
    return work(ops, { accountId: account.id, keyId: null });
  });
  if (options.json) printJson(result);
  else if (done !== undefined) printLine(done);
  else printDomains(result, withRecords);
}

export function registerDomainCommands(program: Command): void {
  const domain = program
    .command('domain')
    .description('Manage sender domains (DKIM, return path, tracking host)');
  const common = (c: Command) =>
    c
      .option('--account <id>', 'the account (default: the master account)')
      .option('--json', 'print the same object as the API answers in "data"');

  common(domain.command('add').argument('<domain>', 'e.g. example.com'))
    .description('Add a sender domain: a new DKIM key, and the DNS records to publish')
    .option('--no-verify', 'do not check the DNS records now')
    .action((name: string, options: DomainOptions, command: Command) =>
      run(
        command,
        options,
        (ops, caller) => addDomain(ops, caller, { domain: name, auto_verify: options.verify !== false }),
        true,
      ),
    );
  common(domain.command('list'))
    .description('List the sender domains and their verification state')
    .action((options: DomainOptions, command: Command) =>
      run(command, options, (ops, caller) => viewDomains(ops, caller, {}), false),
    );
  common(domain.command('verify').argument('<domain>', 'the sender domain'))
    .description("Check a sender domain's DNS records now")
    .action((name: string, options: DomainOptions, command: Command) =>
      run(command, options, (ops, caller) => verifyDomain(ops, caller, { domain: name }), true),
    );
  common(domain.command('remove').argument('<domain>', 'the sender domain'))
    .description('Remove a sender domain (its mail is no longer signed)')
    .action(async (name: string, options: DomainOptions, command: Command) => {
      await run(
        command,
        options,
        (ops, caller) => removeDomain(ops, caller, { domain: name }),
        false,
        `Removed ${name}.`,
      );
    });
}
