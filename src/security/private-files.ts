// Files in the data directory are private to the service user (SPEC §10): directories 0700, files 0600,
// whatever the umask. Modes are set with chmod after creation (a umask can only take bits away from the
// mode given to open/mkdir, never add them), and a start walks the data directory once to fix what an
// older Petrel, a restore or an operator left readable.
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the directory (and missing parents) if needed, and makes it 0700. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(path, PRIVATE_DIR_MODE);
}

/**
 * Creates the file empty if it does not exist, and makes it 0600: called before SQLite opens a
 * database, whose -wal and -shm files then take the database file's mode.
 */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  chmodSync(path, PRIVATE_FILE_MODE);
}

/** Makes these files 0600 where they exist (SQLite's -wal and -shm beside a database). */
export function privatiseIfPresent(paths: string[]): void {
  for (const path of paths) {
    try {
      chmodSync(path, PRIVATE_FILE_MODE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** Every directory under `root` (itself included) 0700 and every file 0600; symbolic links untouched. */
export function privatiseTree(root: string): void {
  let stat;
  try {
    stat = lstatSync(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(root, PRIVATE_DIR_MODE);
    for (const name of readdirSync(root)) privatiseTree(join(root, name));
  } else if (stat.isFile() && (stat.mode & 0o777) !== PRIVATE_FILE_MODE) {
    chmodSync(root, PRIVATE_FILE_MODE);
  }
}
