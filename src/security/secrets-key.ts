// The node's SecretBox key: `<dataDir>/secrets.key` (32 random bytes, mode 0600), made on first start.
// Minimal version for the webhooks branch; nodes of one cluster must be given the same key file.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/settings.js';
import { SecretBox } from './secret-box.js';

export const SECRETS_KEY_FILE = 'secrets.key';

export async function loadSecretBox(config: Pick<Config, 'dataDir'>): Promise<SecretBox> {
  const path = join(config.dataDir, SECRETS_KEY_FILE);
  await mkdir(config.dataDir, { recursive: true });
  try {
    return new SecretBox(await readFile(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    // 'wx': two processes starting at once never overwrite each other's key.
    await writeFile(path, SecretBox.newKey(), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  await chmod(path, 0o600);
  return new SecretBox(await readFile(path));
}
