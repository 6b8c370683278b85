// Starts a real Petrel node for a test: HTTP on an ephemeral loopback port, SQLite in a temp dir, or
// PostgreSQL (its own schema) when PETREL_TEST_DATABASE_URL is set — so the whole suite runs on both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/settings.js';
import { createLogger } from '../../src/logger.js';
import { createMasterAccount } from '../../src/operations/accounts.js';
import { startNode, type PetrelNode } from '../../src/server.js';

export const TEST_DATABASE_URL = process.env.PETREL_TEST_DATABASE_URL ?? null;

/**
 * Test worlds deliver through a DNS server on loopback to SMTP peers on loopback, which SPEC §10 refuses
 * unless listed: every test node lists loopback (a test may override it).
 */
export const LOOPBACK_DESTINATIONS = '127.0.0.0/8,::1';

/**
 * The secrets key every test node on PostgreSQL is given, so that several nodes sharing one schema can
 * all open its sealed secrets, as a real cluster must (docs/configuration.md, PETREL_SECRETS_KEY).
 */
export const TEST_SECRETS_KEY = Buffer.alloc(32, 'petrel-test-secrets-key').toString('base64');

/** The settings every test node shares on PostgreSQL (beside PETREL_DATABASE_URL). */
export const SHARED_DATABASE_ENV: Record<string, string> = TEST_DATABASE_URL
  ? { PETREL_DATABASE_URL: TEST_DATABASE_URL, PETREL_SECRETS_KEY: TEST_SECRETS_KEY }
  : {};

export interface TestNode extends PetrelNode {
  masterAccountId: string;
  masterKey: string;
  /** POSTs JSON to /v3<path> with the given key (header), returning status, headers and parsed body. */
  call(path: string, body?: unknown, options?: CallOptions): Promise<ApiAnswer>;
  stop(): Promise<void>;
  /** Closes the node and starts it again on the same data directory and database (a real restart). */
  restart(): Promise<TestNode>;
}

export interface CallOptions {
  key?: string | null;
  method?: string;
  headers?: Record<string, string>;
  rawBody?: string | Buffer;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  // Tests read arbitrary fields of the answer.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function createSchema(): Promise<string> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL ?? undefined });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  return schema;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL ?? undefined });
  await client.connect();
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
}

export async function startTestNode(env: Record<string, string> = {}): Promise<TestNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-test-'));
  const config: Config = loadConfig({
    env: {
      PETREL_DATA_DIR: dataDir,
      PETREL_HTTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTPS_LISTEN: '127.0.0.1:0',
      PETREL_INBOUND_LISTEN: '127.0.0.1:0',
      PETREL_HOSTNAME: 'petrel.test',
      PETREL_LOG_LEVEL: process.env.PETREL_TEST_LOG_LEVEL ?? 'silent',
      // Intake tests look at the queue after a 250; a worker delivering (or bouncing) their mail to
      // the world's domains meanwhile would race them. Delivery tests turn it on (test/e2e/).
      PETREL_DELIVERY_CONCURRENCY: '0',
      PETREL_ALLOWED_PRIVATE_DESTINATIONS: LOOPBACK_DESTINATIONS,
      ...SHARED_DATABASE_ENV,
      ...env,
    },
  });
  const schema = TEST_DATABASE_URL ? await createSchema() : undefined;
  const start = () => startNode(config, createLogger(config.logLevel), schema ? { pgSchema: schema } : {});
  let node: PetrelNode;
  try {
    node = await start();
  } catch (err) {
    if (schema) await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const master = await createMasterAccount(node.ops, 'Test master');
  return testNode(node, master, start, async () => {
    if (schema) await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });
}

function testNode(
  node: PetrelNode,
  master: { account_id: string; api_key: string },
  start: () => Promise<PetrelNode>,
  cleanUp: () => Promise<void>,
): TestNode {
  const call = async (path: string, body: unknown = {}, options: CallOptions = {}): Promise<ApiAnswer> => {
    const key = options.key === undefined ? master.api_key : options.key;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (key !== null) headers['x-smtp2go-api-key'] = key;
    const response = await fetch(`${node.httpUrl}/v3${path}`, {
      method: options.method ?? 'POST',
      headers,
      body: options.rawBody ?? JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON; the test sees the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };

  return {
    ...node,
    masterAccountId: master.account_id,
    masterKey: master.api_key,
    call,
    async stop() {
      await node.close();
      await cleanUp();
    },
    async restart() {
      await node.close();
      return testNode(await start(), master, start, cleanUp);
    },
  };
}
