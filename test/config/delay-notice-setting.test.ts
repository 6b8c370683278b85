// PETREL_DELAY_NOTICE_AFTER (SPEC §9) takes the period grammar of SPEC §1.9; 4 hours when unset, 0 off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';

const after = (value?: string) =>
  loadConfig({ env: value === undefined ? {} : { PETREL_DELAY_NOTICE_AFTER: value } })
    .delayNoticeAfterSeconds;

test('PETREL_DELAY_NOTICE_AFTER reads §1.9 periods, defaults to 4 hours and 0 turns it off', () => {
  assert.equal(after(), 4 * 3600);
  assert.equal(after('4 hours'), 4 * 3600);
  assert.equal(after('1 day 0:30:00'), 86400 + 1800);
  assert.equal(after('0:00:02'), 2);
  assert.equal(after('90'), 90);
  assert.equal(after('0'), 0);
  assert.throws(() => after('soon'), /PETREL_DELAY_NOTICE_AFTER must look like/);
  assert.throws(() => after('2s'), /PETREL_DELAY_NOTICE_AFTER/);
});
