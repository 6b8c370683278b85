// The key of the secret box (secret-box.ts): a 0600 file `<dataDir>/secrets.key` holding 32 random bytes
// (base64), created on first start. Minimal version: the security work adds PETREL_SECRETS_KEY.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/settings.js';
import { SecretBox } from './secret-box.js';

export const SECRETS_KEY_FILE = 'secrets.key';

export async function loadSecretBox(config: Pick<Config, 'dataDir'>): Promise<SecretBox> {
  const path = join(config.dataDir, SECRETS_KEY_FILE);
  await mkdir(config.dataDir, { recursive: true });
  try {
    await writeFile(path, SecretBox.newKey().toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  }
  await chmod(path, 0o600);
  const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
  if (key.length !== 32) throw new Error(`The secrets key file ${path} does not hold a 32-byte key`);
  return new SecretBox(key);
}
