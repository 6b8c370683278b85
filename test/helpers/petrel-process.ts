// A real `petrel serve` child process for tests that need several nodes or a hard kill: fixed loopback
// ports (so a node restarted on its data dir is found where it was), readiness by polling /healthz.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { spawnCli } from '../cli/cli-harness.js';

/** Start-up (migrations, a generated certificate on first start) is bounded: a hung node fails the test. */
const READY_DEADLINE_MS = 60_000;
/** Output kept for the failure message of a node that would not start or died. */
const OUTPUT_TAIL_CHARS = 4000;

export interface Ports {
  http: number;
  smtp: number;
  smtps: number;
}

export interface PetrelProcess {
  ports: Ports;
  httpUrl: string;
  child: ChildProcess;
  /** Resolves when the process has exited, with its code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few thousand characters of stdout and stderr (JSON log lines). */
  output(): string;
  /**
   * Sends the signal and waits for the process to exit. SIGKILL ends its workers too (PETREL_WORKERS),
   * as a crash of the machine would; other signals go to the supervisor, which passes them on.
   */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The kernel's range for ephemeral ports (`bind(0)` and every outgoing connection take theirs from it),
 * or Linux's default where /proc does not say.
 */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    if (Number(low) > 0 && Number(high) >= Number(low)) return [Number(low), Number(high)];
  } catch {
    // not Linux
  }
  return [32768, 60999];
}

/** From 10000 up to the ephemeral range when that leaves at least 2,000 ports, else above the range. */
function fixedPortRange(): [number, number] {
  const [low, high] = ephemeralRange();
  return low > 12_000 ? [10_000, low - 1] : [high + 1, 65_535];
}

function bindsOnLoopback(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Free loopback ports for a node to listen on, chosen at random outside the ephemeral range and checked
 * by binding them. A port from the ephemeral range (what binding port 0 hands out) could be taken by any
 * outgoing connection of a test running alongside in the second between this check and the node's own
 * bind, or between a kill and a restart on the same port; outside it, only another test choosing the same
 * random port could.
 */
export async function freePorts(count: number): Promise<number[]> {
  const [low, high] = fixedPortRange();
  const ports = new Set<number>();
  for (let tries = 0; ports.size < count; tries++) {
    if (tries > 100 * count) throw new Error(`no ${count} free loopback ports between ${low} and ${high}`);
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (!ports.has(port) && (await bindsOnLoopback(port))) ports.add(port);
  }
  return [...ports];
}

/** Ports for `count` nodes, found in one go so that no two nodes are handed the same port. */
export async function allocatePorts(count = 1): Promise<Ports[]> {
  const ports = await freePorts(3 * count);
  return Array.from({ length: count }, (_, i) => ({
    http: ports[3 * i] as number,
    smtp: ports[3 * i + 1] as number,
    smtps: ports[3 * i + 2] as number,
  }));
}

/**
 * Spawns `petrel serve` with `env` (PETREL_DATA_DIR, PETREL_DATABASE_URL, …) on `ports`, and resolves
 * once /healthz answers 200. Rejects, with the node's output, if it exits or is not ready in time.
 */
export async function startPetrel(env: Record<string, string>, ports: Ports): Promise<PetrelProcess> {
  const child = spawnCli(['serve'], {
    PETREL_HOSTNAME: 'petrel.test',
    PETREL_LOG_LEVEL: 'warn',
    // Test worlds deliver to SMTP peers on loopback, which SPEC §10 refuses unless listed.
    PETREL_ALLOWED_PRIVATE_DESTINATIONS: '127.0.0.0/8,::1',
    PETREL_INBOUND_LISTEN: '127.0.0.1:0',
    ...env,
    PETREL_HTTP_LISTEN: `127.0.0.1:${ports.http}`,
    PETREL_SMTP_LISTEN: `127.0.0.1:${ports.smtp}`,
    PETREL_SMTPS_LISTEN: `127.0.0.1:${ports.smtps}`,
  });
  child.stdin?.end();
  let tail = '';
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let dead = false;
  void exited.then(() => (dead = true));

  const httpUrl = `http://127.0.0.1:${ports.http}`;
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (dead) throw new Error(`petrel serve exited during start-up:\n${tail}`);
    try {
      const response = await fetch(`${httpUrl}/healthz`);
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`petrel serve was not ready within ${READY_DEADLINE_MS} ms:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    ports,
    httpUrl,
    child,
    exited,
    output: () => tail,
    async kill(signal = 'SIGTERM') {
      if (dead) return exited;
      const workers = signal === 'SIGKILL' && child.pid !== undefined ? childrenOf(child.pid) : [];
      child.kill(signal);
      for (const pid of workers) killQuietly(pid, 'SIGKILL');
      await Promise.all(workers.map(waitUntilGone));
      return exited;
    },
  };
}

/** A process's state letter and parent pid from /proc (the fields after its command name), or null. */
function processStat(pid: number | string): { state: string; parent: number } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone
  }
  const [state = '', parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, parent: Number(parent) };
}

/** The processes whose parent is `pid` (a supervisor's workers), read from /proc. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && processStat(entry)?.parent === pid)
    .map(Number);
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Waits (up to 5 s) until `pid` has exited: gone, or a zombie nobody has reaped yet. */
async function waitUntilGone(pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const stat = processStat(pid);
    if (stat === null || stat.state === 'Z') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** POSTs JSON to <node>/v3<path> with an API key; returns the status and the parsed body. */
export async function callApi(
  node: PetrelProcess,
  key: string,
  path: string,
  body: unknown = {},
  // Tests read arbitrary fields of the answer.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${node.httpUrl}/v3${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': key },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: response.status, body: text };
  }
}
