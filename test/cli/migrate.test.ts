// `petrel migrate`: applies pending migrations and says so; a second run has nothing to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInstallation } from './cli-harness.js';

test('migrate applies the migrations once, then reports the database up to date', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  const first = await inst.run(['migrate']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^Applied migration 001-control-plane$/m);

  const second = await inst.run(['migrate']);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, 'The database is up to date.\n');

  const json = await inst.run(['migrate', '--json']);
  assert.deepEqual(JSON.parse(json.stdout), { applied: [] });
});
