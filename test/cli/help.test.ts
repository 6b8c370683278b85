// `--help` of every petrel command: exits 0 and documents its options (and the global --config).
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-harness.js';

const COMMANDS: [string[], string[]][] = [
  [[], ['serve', 'init', 'migrate', 'apikey', 'user', '--config <file>']],
  [['serve'], ['--config <file>', 'SIGTERM', 'Example']],
  [['init'], ['--name <name>', '--json', 'default: "Master account"', 'Example']],
  [['migrate'], ['--json', 'Example']],
  [['apikey'], ['create']],
  [
    ['apikey', 'create'],
    ['--account <id>', '--endpoints <list>', '--description <text>', '--json', 'default: "*"'],
  ],
  [['user'], ['add', 'list', 'edit', 'remove']],
  [
    ['user', 'add'],
    [
      '--username <name>',
      '--password <password>',
      '--password-stdin',
      '--description <text>',
      '--custom-ratelimit-value <n>',
      '--custom-ratelimit-period <period>',
      '--no-custom-ratelimit',
      '--ip-pool <id>',
      '--feedback-enabled',
      '--no-feedback-enabled',
      '--feedback-domain <domain>',
      '--feedback-html <html>',
      '--feedback-text <text>',
      '--open-tracking',
      '--no-open-tracking',
      '--click-tracking',
      '--no-click-tracking',
      '--archive',
      '--no-archive',
      '--audit-email <addresses>',
      '--bounce-notifications <where>',
      '--status <status>',
      '--subaccount-id <id>',
      '--account <id>',
      '--json',
      '--config <file>',
      'Example',
    ],
  ],
  [
    ['user', 'list'],
    ['--username <name>', '--page-size <n>', '--continue-token <token>', '--json', 'Example'],
  ],
  [
    ['user', 'edit'],
    ['--username <name>', '--status <status>', '--no-archive', '--json', 'Example'],
  ],
  [
    ['user', 'remove'],
    ['--username <name>', '--subaccount-id <id>', '--json', 'Example'],
  ],
];

// Each case is its own process and reads nothing shared, so they may run side by side.
describe('--help', { concurrency: true }, () => {
  for (const [command, mentions] of COMMANDS) {
    it(`petrel ${command.join(' ')} --help exits 0 and lists its options`, async () => {
      const result = await runCli([...command, '--help'], {});
      assert.equal(result.code, 0, result.stderr);
      for (const text of mentions) assert.ok(result.stdout.includes(text), `--help should mention ${text}`);
    });
  }
});

test('an unknown option is a usage error: exit 2, one line', async () => {
  const result = await runCli(['user', 'add', '--no-such-option'], {});
  assert.equal(result.code, 2);
  assert.equal(result.stderr, "petrel: unknown option '--no-such-option'\n");
});

test('a command group without its subcommand shows its help and exits 2', async () => {
  const result = await runCli(['user'], {});
  assert.equal(result.code, 2);
  assert.match(result.stderr, /petrel user \[options\] \[command\]/);
});
