// Access restrictions across nodes (SPEC §8 "Restrictions", §4.3): two real `petrel serve` processes
// share one PostgreSQL schema; an allow-list change made through node A holds on node B at the very next
// request, login or command — no cache on B stands in the way.
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
import { callFrom, smtpFrom } from '../restrictions/from-address.js';
import { PASSWORD, dialogue, line } from '../smtp/clients.js';

const skip = TEST_DATABASE_URL === null ? 'needs PostgreSQL: set PETREL_TEST_DATABASE_URL' : false;

describe('restrictions changed on node A hold on node B at once', { skip }, () => {
  let installation: Installation;
  let secondDir: string;
  let key: string;
  let subId: string;
  let subKey: string;
  let a: PetrelProcess;
  let b: PetrelProcess;

  const onA = async (path: string, body: Record<string, unknown>) => {
    const answer = await callApi(a, key, path, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.data as { id: string; api_key: string };
  };

  before(async () => {
    installation = await createInstallation();
    key = (await installation.init()).api_key;
    secondDir = mkdtempSync(join(tmpdir(), 'petrel-node-b-'));
    const common = { PETREL_DELIVERY_CONCURRENCY: '0' };
    const [portsA, portsB] = (await allocatePorts(2)) as [Ports, Ports];
    [a, b] = await Promise.all([
      startPetrel({ ...installation.env, ...common }, portsA),
      startPetrel(
        { ...installation.env, ...common, PETREL_DATA_DIR: secondDir, PETREL_HOSTNAME: 'b.petrel.test' },
        portsB,
      ),
    ]);
    subId = (await onA('/subaccount/add', { fullname: 'Two-node sub' })).id;
    subKey = (await onA('/api_keys/add', { subaccount_id: subId, endpoints: ['*'] })).api_key;
    await onA('/users/smtp/add', {
      username: 'two-node-user',
      email_password: PASSWORD,
      subaccount_id: subId,
    });
  });
  after(async () => {
    await Promise.all([a?.kill('SIGTERM'), b?.kill('SIGTERM')]);
    rmSync(secondDir, { recursive: true, force: true });
    await installation.cleanup();
  });

  test("API IP allow list: enabled on A, B refuses the key's next request from elsewhere (403)", async () => {
    const viewOnB = (from: string) => callFrom(b.httpUrl, from, '/allowed_senders/view', {}, subKey);
    assert.equal((await viewOnB('127.0.0.5')).status, 200);
    await onA('/ip_allow_list/add', { subaccount_id: subId, ip_address: '127.0.0.2/31', type: 'api' });
    await onA('/ip_allow_list', { subaccount_id: subId, enabled: true, type: 'api' });
    const refused = await viewOnB('127.0.0.5');
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.data.error_code, 'E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED');
    assert.equal((await viewOnB('127.0.0.3')).status, 200);
    await onA('/ip_allow_list/edit', {
      subaccount_id: subId,
      ip_address: '127.0.0.2/31',
      new_ip_address: '127.0.0.4/30',
      type: 'api',
    });
    assert.equal((await viewOnB('127.0.0.3')).status, 403);
    assert.equal((await viewOnB('127.0.0.5')).status, 200);
    await onA('/ip_allow_list', { subaccount_id: subId, enabled: false, type: 'api' });
    assert.equal((await viewOnB('127.0.0.3')).status, 200);
  });

  test('SMTP IP allow list: enabled on A, B answers the next login from elsewhere 535', async () => {
    const mail = { from: 'a@shop.example', to: ['b@example.net'] };
    const auth = { user: 'two-node-user', pass: PASSWORD };
    assert.equal((await smtpFrom(b.ports.smtp, '127.0.0.5', mail, auth)).ok, true);
    await onA('/ip_allow_list/add', { subaccount_id: subId, ip_address: '127.0.0.2' });
    await onA('/ip_allow_list', { subaccount_id: subId, enabled: true });
    assert.match((await smtpFrom(b.ports.smtp, '127.0.0.5', mail, auth)).response, /^535 5\.7\.8/);
    assert.equal((await smtpFrom(b.ports.smtp, '127.0.0.2', mail, auth)).ok, true);
    await onA('/ip_allow_list', { subaccount_id: subId, enabled: false });
    assert.equal((await smtpFrom(b.ports.smtp, '127.0.0.5', mail, auth)).ok, true);
  });

  test('allowed senders set on A refuse the next MAIL FROM on B', async () => {
    const steps = [
      { do: 'ehlo' as const },
      { do: 'auth' as const, user: 'two-node-user', password: PASSWORD },
      { do: 'cmd' as const, line: 'MAIL FROM:<x@elsewhere.example>' },
    ];
    assert.equal((await dialogue(b.ports.smtp, steps)).steps[2]?.code, 250);
    await onA('/allowed_senders/update', {
      subaccount_id: subId,
      allowed_senders: ['shop.example'],
      mode: 'whitelist',
    });
    assert.equal(
      line((await dialogue(b.ports.smtp, steps)).steps[2]),
      '550 5.7.1 Sender <x@elsewhere.example> is not allowed for this account',
    );
    await onA('/allowed_senders/update', { subaccount_id: subId, allowed_senders: [], mode: 'disabled' });
  });

  test('IP auth added on A sends through B at once; removed on A, B refuses at once', async () => {
    const mail = { from: 'device@shop.example', to: ['c@example.net'] };
    assert.match((await smtpFrom(b.ports.smtp, '127.0.0.6', mail)).response, /^530 /);
    const patched = await fetch(`${a.httpUrl}/v3/ip_auth/edit`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': key },
      body: JSON.stringify({ subaccount_id: subId, ip_address: '127.0.0.6', description: 'device' }),
    });
    assert.equal(patched.status, 200, await patched.text());
    const sent = await smtpFrom(b.ports.smtp, '127.0.0.6', mail);
    assert.equal(sent.ok, true, sent.response);
    await onA('/ip_auth/remove', { subaccount_id: subId, ip_address: '127.0.0.6' });
    assert.match((await smtpFrom(b.ports.smtp, '127.0.0.6', mail)).response, /^530 /);
  });
});
