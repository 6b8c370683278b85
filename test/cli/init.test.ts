// `petrel init`: data directory, master account and first key; refuses a second master account.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInstallation, oneLineError } from './cli-harness.js';

test('init --json creates the data directory and prints exactly account_id and api_key', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  const result = await inst.run(['init', '--json', '--name', 'Acme']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const answer = JSON.parse(result.stdout);
  assert.deepEqual(Object.keys(answer), ['account_id', 'api_key']);
  assert.match(answer.account_id, /^[a-z0-9]+$/);
  assert.match(answer.api_key, /^api-[A-F0-9]{32}$/);
  assert.equal(result.stdout, `${JSON.stringify(answer)}\n`);
  assert.ok(existsSync(inst.dataDir));
});

test('init prints the key once for people, with a warning', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  const result = await inst.run(['init']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /account id: +[a-z0-9]+\n/);
  assert.match(result.stdout, /API key: +api-[A-F0-9]{32}\n/);
  assert.match(result.stdout, /shown only now/);
});

test('a second init is refused with one line and exit 1; the directory may exist already', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  const first = await inst.init();
  const second = await inst.run(['init', '--json']);
  assert.equal(second.code, 1);
  assert.equal(second.stdout, '');
  const line = oneLineError(second.stderr);
  assert.match(line, /master account already exists/);
  assert.ok(line.includes(first.account_id));
});

test('init reads the data directory from --config when the environment does not set it', async (t) => {
  const inst = await createInstallation();
  const dir = mkdtempSync(join(tmpdir(), 'petrel-cli-config-'));
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await inst.cleanup();
  });
  const dataDir = join(dir, 'from-file');
  const file = join(dir, 'petrel.json');
  writeFileSync(file, JSON.stringify({ dataDir }));
  const result = await inst.run(['--config', file, 'init', '--json'], { env: { PETREL_DATA_DIR: '' } });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(existsSync(dataDir));
});

test('an unreadable --config file is one line naming it, exit 1', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  const result = await inst.run(['--config', '/nonexistent/petrel.json', 'init']);
  assert.equal(result.code, 1);
  assert.equal(
    oneLineError(result.stderr),
    'petrel: Invalid configuration: --config /nonexistent/petrel.json cannot be read (ENOENT)',
  );
});
