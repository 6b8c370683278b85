// Runs the real `petrel` command as a child process against a fresh installation: a temp data
// directory, and a fresh PostgreSQL schema when PETREL_TEST_DATABASE_URL is set.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { TEST_DATABASE_URL, TEST_SECRETS_KEY } from '../helpers/node.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Installation {
  /** The data directory (created by `init`, not by this harness). */
  dataDir: string;
  /** The environment every command runs with. */
  env: Record<string, string>;
  run(args: string[], options?: { env?: Record<string, string>; input?: string }): Promise<CliResult>;
  spawn(args: string[], env?: Record<string, string>): ChildProcess;
  /** Runs `init --json` and returns its answer. */
  init(): Promise<{ account_id: string; api_key: string }>;
  cleanup(): Promise<void>;
}

async function withPg(work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL ?? undefined });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** The parent's environment without any PETREL_* setting, so the developer's own cannot leak in. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('PETREL_') && v !== undefined) env[k] = v;
  return env;
}

export function spawnCli(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin?.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function createInstallation(): Promise<Installation> {
  const root = mkdtempSync(join(tmpdir(), 'petrel-cli-'));
  const dataDir = join(root, 'data');
  const env: Record<string, string> = { PETREL_DATA_DIR: dataDir, PETREL_HOSTNAME: 'petrel.test' };
  let schema: string | null = null;
  if (TEST_DATABASE_URL) {
    schema = `cli_${randomBytes(6).toString('hex')}`;
    await withPg((c) => c.query(`CREATE SCHEMA ${schema}`));
    const separator = TEST_DATABASE_URL.includes('?') ? '&' : '?';
    env.PETREL_DATABASE_URL = `${TEST_DATABASE_URL}${separator}options=-c%20search_path%3D${schema}`;
    // Nodes sharing this database must open the same sealed secrets (SPEC §10, PETREL_SECRETS_KEY).
    env.PETREL_SECRETS_KEY = TEST_SECRETS_KEY;
  }
  const run: Installation['run'] = (args, options = {}) =>
    runCli(args, { ...env, ...options.env }, options.input);
  return {
    dataDir,
    env,
    run,
    spawn: (args, extra = {}) => spawnCli(args, { ...env, ...extra }),
    async init() {
      const result = await run(['init', '--json']);
      if (result.code !== 0) throw new Error(`petrel init failed: ${result.stderr}`);
      return JSON.parse(result.stdout) as { account_id: string; api_key: string };
    },
    async cleanup() {
      if (schema) await withPg((c) => c.query(`DROP SCHEMA ${schema} CASCADE`));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Asserts the shape every failure report has: exactly one line, prefixed, with no stack trace. */
export function oneLineError(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, found ${lines.length}:\n${stderr}`);
  const line = lines[0] as string;
  if (!line.startsWith('petrel: ')) throw new Error(`expected 'petrel: …', found ${line}`);
  if (/\n\s+at /.test(stderr)) throw new Error(`stack trace on stderr:\n${stderr}`);
  return line;
}
