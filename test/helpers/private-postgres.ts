// A private throw-away PostgreSQL server (own port, own data dir) for tests that stop and restart it.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from './petrel-process.js';

const run = promisify(execFile);
/** Every pg_ctl step is bounded: a server that does not start or stop fails the test. */
const PG_CTL_TIMEOUT_SECONDS = 60;

export interface PrivatePostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication, loopback only). */
  url: string;
  /** Stops the server (`pg_ctl stop -m fast`: open connections are cut). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (if running) and removes its directory. */
  destroy(): Promise<void>;
}

/** The newest PostgreSQL binaries installed by the distribution, or null. */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  for (const version of ['17', '16', '15', '14', '13']) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

/** Why a private server cannot be run here, or null when it can (root, a `postgres` user, the binaries). */
export function privatePostgresUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (initdb and pg_ctl are run as the postgres user)';
  if (findPostgresBin() === null) return 'no PostgreSQL binaries under /usr/lib/postgresql/<version>/bin';
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    return 'no postgres system user to run the server as';
  }
  return null;
}

async function asPostgres(bin: string, args: string[]): Promise<void> {
  await run('runuser', ['-u', 'postgres', '--', join(bin, args[0] as string), ...args.slice(1)], {
    timeout: (PG_CTL_TIMEOUT_SECONDS + 10) * 1000,
  });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = findPostgresBin();
  if (bin === null) throw new Error('no PostgreSQL binaries');
  const { stdout } = await run('id', ['-u', 'postgres']);
  const uid = Number(stdout.trim());
  const { stdout: gidOut } = await run('id', ['-g', 'postgres']);
  const gid = Number(gidOut.trim());
  const root = mkdtempSync(join(tmpdir(), 'petrel-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'socket');
  mkdirSync(socketDir);
  chownSync(root, uid, gid);
  chownSync(socketDir, uid, gid);
  const [port] = (await freePorts(1)) as [number];
  await asPostgres(bin, ['initdb', '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8']);
  const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  let running = false;
  const start = async () => {
    await asPostgres(bin, [
      'pg_ctl',
      'start',
      '-w',
      '-t',
      String(PG_CTL_TIMEOUT_SECONDS),
      '-D',
      dataDir,
      '-l',
      join(root, 'server.log'),
      '-o',
      options,
    ]);
    running = true;
  };
  const stop = async () => {
    await asPostgres(bin, [
      'pg_ctl',
      'stop',
      '-w',
      '-t',
      String(PG_CTL_TIMEOUT_SECONDS),
      '-m',
      'fast',
      '-D',
      dataDir,
    ]);
    running = false;
  };
  try {
    await start();
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      if (running) await stop().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
