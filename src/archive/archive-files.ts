// Archived message bodies on the node's own disk (`<dataDir>/archive/<email_id>`): written durably
// (temporary file, fsync, rename, directory fsync) before the index row names them.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { isMessageId } from '../spool/message-id.js';

export function archiveDirectory(dataDir: string): string {
  return join(dataDir, 'archive');
}

/** The body file of an archived message; throws for anything that is not a message id (no path tricks). */
export function archivedBodyPath(dataDir: string, emailId: string): string {
  if (!isMessageId(emailId)) throw new Error(`not a message id: ${JSON.stringify(emailId)}`);
  return join(archiveDirectory(dataDir), emailId);
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies `body` to the archive and resolves to its size once the file and its name are on disk. */
export async function writeArchivedBody(dataDir: string, emailId: string, body: Readable): Promise<number> {
  const path = archivedBodyPath(dataDir, emailId);
  const dir = archiveDirectory(dataDir);
  // A directory created just now needs its own entry made durable too.
  if ((await mkdir(dir, { recursive: true, mode: 0o700 })) !== undefined) await fsyncDirectory(dirname(dir));
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  let size = 0;
  try {
    const handle = await open(temporary, 'wx', 0o600);
    try {
      for await (const chunk of body as AsyncIterable<Buffer | string>) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        await handle.write(bytes);
        size += bytes.length;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (err) {
    body.destroy();
    await rm(temporary, { force: true });
    throw err;
  }
  await fsyncDirectory(dir);
  return size;
}

export function openArchivedBody(dataDir: string, emailId: string): Readable {
  return createReadStream(archivedBodyPath(dataDir, emailId));
}

export async function removeArchivedBody(dataDir: string, emailId: string): Promise<void> {
  await rm(archivedBodyPath(dataDir, emailId), { force: true });
}
