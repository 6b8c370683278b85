// Finds the console's browser files and loads them into memory with their content types and ETags, so
// `petrel serve` serves them from src/ (tsx) and from dist/ (tsc copies no non-TS files) alike.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ConsoleFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The assets folder beside this module (running from src/ with tsx), or — running the tsc build from
 * dist/console/ — the same folder in the source tree, which ships with the package.
 */
export function findConsoleAssets(moduleUrl: string = import.meta.url): string | null {
  const candidates = [new URL('./assets/', moduleUrl), new URL('../../src/console/assets/', moduleUrl)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

export function consoleFile(body: string | Buffer, name: string): ConsoleFile {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return {
    body: bytes,
    contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`,
  };
}

/** Every file under `dir`, keyed by its URL path relative to it ("pages/users.js"). */
export async function loadConsoleFiles(dir: string): Promise<Map<string, ConsoleFile>> {
  const files = new Map<string, ConsoleFile>();
  // A hand-written walk: readdir's `recursive` and Dirent.parentPath need a newer Node 20 than engines allows.
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const key = relative(dir, path).split(sep).join('/');
        files.set(key, consoleFile(await readFile(path), key));
      }
    }
  };
  await walk(dir);
  return files;
}
