// SPEC §10 and §1.10 across nodes: two real `petrel serve` processes sharing one PostgreSQL schema share
// the per-key request limit and the per-address limit on failed authentications, through the database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInstallation, type Installation } from '../cli/cli-harness.js';
import { TEST_DATABASE_URL } from '../helpers/node.js';
import {
  allocatePorts,
  callApi,
  startPetrel,
  type PetrelProcess,
  type Ports,
} from '../helpers/petrel-process.js';

const skip = TEST_DATABASE_URL === null ? 'needs PostgreSQL: set PETREL_TEST_DATABASE_URL' : false;
const UNKNOWN_KEY = `api-${'F'.repeat(32)}`;
const LIMIT = 'E_ApiResponseCodes.REQ_LIMIT_EXCEEDED';

describe('API limits shared by two nodes on one PostgreSQL database', { skip }, () => {
  let installation: Installation;
  let secondDir: string;
  let key: string;
  let a: PetrelProcess;
  let b: PetrelProcess;

  before(async () => {
    installation = await createInstallation();
    key = (await installation.init()).api_key;
    secondDir = mkdtempSync(join(tmpdir(), 'petrel-node-b-'));
    const common = {
      PETREL_DELIVERY_CONCURRENCY: '0',
      PETREL_API_REQUESTS_PER_MINUTE: '6',
      PETREL_API_AUTH_FAILURES_PER_MINUTE: '4',
    };
    const [portsA, portsB] = (await allocatePorts(2)) as [Ports, Ports];
    [a, b] = await Promise.all([
      startPetrel({ ...installation.env, ...common }, portsA),
      startPetrel(
        { ...installation.env, ...common, PETREL_DATA_DIR: secondDir, PETREL_HOSTNAME: 'b.petrel.test' },
        portsB,
      ),
    ]);
  });
  after(async () => {
    await Promise.all([a?.kill('SIGTERM'), b?.kill('SIGTERM')]);
    rmSync(secondDir, { recursive: true, force: true });
    await installation.cleanup();
  });

  test('a key that used its 6 requests a minute on A and B together is refused on either', async () => {
    // /healthz polls at start-up need no key, so the key's budget is whole here.
    for (const node of [a, b, a, b, a, b]) {
      const answer = await callApi(node, key, '/users/smtp/view');
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    }
    for (const node of [a, b]) {
      const answer = await callApi(node, key, '/users/smtp/view');
      assert.equal(answer.status, 429, `${node === a ? 'A' : 'B'}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.data.error_code, LIMIT);
    }
  });

  test('failed authentications on A count on B: the 5th failure anywhere is answered 429', async () => {
    for (const node of [a, a, b, b]) {
      const answer = await callApi(node, UNKNOWN_KEY, '/users/smtp/view');
      assert.equal(answer.status, 401, JSON.stringify(answer.body));
    }
    const response = await fetch(`${b.httpUrl}/v3/users/smtp/view`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': UNKNOWN_KEY },
      body: '{}',
    });
    const body = (await response.json()) as { data: { error_code: string } };
    assert.equal(response.status, 429, JSON.stringify(body));
    assert.equal(body.data.error_code, LIMIT);
    assert.match(response.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
  });
});
