// One serving process per spool: a pid file taken at open. A second `petrel serve` on the same data
// directory would sweep the first one's in-progress body files as orphans, so it must refuse to start.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** The live process named in a lock file, or null when the file is absent, unreadable or stale. */
export function lockHolder(path: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch {
    return null;
  }
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class SpoolInUseError extends Error {
  constructor(path: string, pid: number) {
    super(`The spool is in use by process ${pid} (lock file ${path})`);
    this.name = 'SpoolInUseError';
  }
}

/** Takes the lock or throws SpoolInUseError; a lock left by a dead process is taken over. */
export function takeSpoolLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let pid: number;
    try {
      pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw err;
    }
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) throw new SpoolInUseError(path, pid);
    rmSync(path, { force: true });
  }
  throw new Error(`could not take the spool lock ${path}`);
}
