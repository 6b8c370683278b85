// The young-generation flag the supervisor adds to its workers' node flags (src/workers/worker-heap.ts),
// and that an operator's own choice wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WORKER_SEMI_SPACE_MIB, workerExecArgv } from '../../src/workers/worker-heap.js';

const FLAG = `--max-semi-space-size=${WORKER_SEMI_SPACE_MIB}`;

test("workers get the semi-space size after the supervisor's own flags", () => {
  assert.deepEqual(workerExecArgv([]), [FLAG]);
  assert.deepEqual(workerExecArgv(['--import', 'tsx'], '--enable-source-maps'), ['--import', 'tsx', FLAG]);
});

test('a semi-space size the operator chose, on the command line or in NODE_OPTIONS, is kept', () => {
  assert.deepEqual(workerExecArgv(['--max-semi-space-size=16']), ['--max-semi-space-size=16']);
  assert.deepEqual(workerExecArgv(['--max_semi_space_size=2']), ['--max_semi_space_size=2']);
  assert.deepEqual(workerExecArgv([], '--trace-gc --max-semi-space-size=8'), []);
  // A different flag with the same beginning is not the operator's choice of semi-space.
  assert.deepEqual(workerExecArgv(['--max-semi-space-size-x']), ['--max-semi-space-size-x', FLAG]);
});
