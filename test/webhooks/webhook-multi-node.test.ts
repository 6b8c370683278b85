// Two nodes on one PostgreSQL database share the webhook outbox (SPEC §7): each node records half of the
// events, both dispatchers claim calls with FOR UPDATE SKIP LOCKED, and every call arrives — once, in
// the normal case (duplicates are counted and reported; at-least-once allows them only after a crash).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { createMasterAccount } from '../../src/operations/accounts.js';
import { SECRETS_KEY_FILE } from '../../src/security/secrets-key.js';
import { startNode, type PetrelNode } from '../../src/server.js';
import type { NewEvent } from '../../src/store/repositories/events.js';
import { TEST_DATABASE_URL } from '../helpers/node.js';
import { startReceiver } from './receiver.js';

const EVENTS = 2000;

async function withSchema<T>(run: (schema: string) => Promise<T>): Promise<T> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL! });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  try {
    return await run(schema);
  } finally {
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.end();
  }
}

test(
  'two PostgreSQL nodes deliver every webhook call, each once',
  { skip: !TEST_DATABASE_URL },
  async (t) => {
    await withSchema(async (schema) => {
      const dirs = [mkdtempSync(join(tmpdir(), 'petrel-wh-a-')), mkdtempSync(join(tmpdir(), 'petrel-wh-b-'))];
      const receiver = await startReceiver();
      const nodes: PetrelNode[] = [];
      try {
        for (const dir of dirs) {
          // Both nodes must open the same sealed secrets: the second gets the first one's key file.
          if (nodes.length === 1) copyFileSync(join(dirs[0]!, SECRETS_KEY_FILE), join(dir, SECRETS_KEY_FILE));
          const config = loadConfig({
            env: {
              PETREL_DATA_DIR: dir,
              PETREL_DATABASE_URL: TEST_DATABASE_URL!,
              PETREL_HTTP_LISTEN: '127.0.0.1:0',
              PETREL_SMTP_LISTEN: '127.0.0.1:0',
              PETREL_INBOUND_LISTEN: '127.0.0.1:0',
              PETREL_SMTPS_LISTEN: '127.0.0.1:0',
              PETREL_HOSTNAME: 'petrel.test',
              PETREL_LOG_LEVEL: 'silent',
              PETREL_DELIVERY_CONCURRENCY: '0',
              PETREL_WEBHOOK_ALLOW_PRIVATE: 'true',
            },
          });
          nodes.push(await startNode(config, createLogger('silent'), { pgSchema: schema }));
        }
        const [a, b] = nodes as [PetrelNode, PetrelNode];
        const master = await createMasterAccount(a.ops, 'Webhook master');
        const added = await fetch(`${a.httpUrl}/v3/webhook/add`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': master.api_key },
          body: JSON.stringify({ url: receiver.url, output_format: 'json' }),
        });
        assert.equal(added.status, 200);

        const events = (i: number): NewEvent => ({
          accountId: master.account_id,
          event: 'delivered',
          emailId: 'm3x0q1b2c4k9d8e7f6a5',
          username: 'multi',
          sender: 'a@example.com',
          recipient: `r${i}@example.net`,
          subject: 'two nodes',
        });
        a.events.add(Array.from({ length: EVENTS / 2 }, (_, i) => events(i)));
        b.events.add(Array.from({ length: EVENTS / 2 }, (_, i) => events(EVENTS / 2 + i)));
        await receiver.waitFor(EVENTS, 60_000);
        await new Promise((r) => setTimeout(r, 2000)); // late duplicates would show up by now

        const perId = new Map<string, number>();
        const rcpts = new Set<string>();
        for (const c of receiver.calls) {
          const id = String(c.headers['webhook-id']);
          perId.set(id, (perId.get(id) ?? 0) + 1);
          rcpts.add((JSON.parse(c.body) as { rcpt: string }).rcpt);
        }
        const duplicates = [...perId.values()].filter((n) => n > 1).length;
        const sentBy = await Promise.all(
          nodes.map(async (n) => {
            const text = await (await fetch(`${n.httpUrl}/metrics`)).text();
            return Number(/^petrel_webhook_calls_delivered_total (\d+)/m.exec(text)?.[1] ?? 0);
          }),
        );
        t.diagnostic(`delivered by node a: ${sentBy[0]}, by node b: ${sentBy[1]}`);
        assert.ok(
          sentBy.every((n) => n > 0),
          'both dispatchers took part',
        );
        t.diagnostic(
          `two nodes: ${EVENTS} events, ${receiver.calls.length} calls received, ${perId.size} distinct webhook-ids, ` +
            `${rcpts.size} distinct recipients, ${duplicates} duplicated ids`,
        );
        assert.equal(rcpts.size, EVENTS, 'every event reached the receiver');
        assert.equal(duplicates, 0, 'no call delivered twice in the normal case');
        assert.equal(receiver.calls.length, EVENTS);
      } finally {
        for (const n of nodes.reverse()) await n.close();
        await receiver.close();
        for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
