// Where the key sealing the database's secrets comes from (SPEC §10): PETREL_SECRETS_KEY (base64 of 32
// bytes — required, and the same everywhere, when several nodes share one PostgreSQL), else a key file
// `<dataDir>/secrets.key` created 0600 on first start. Either way the key never enters the database, so
// a copy of the database alone opens none of the secrets.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config/settings.js';
import { PRIVATE_FILE_MODE, ensurePrivateDir } from './private-files.js';
import { SecretBox } from './secret-box.js';

export const SECRETS_KEY_FILE = 'secrets.key';
const SETTING = 'PETREL_SECRETS_KEY';

function keyFrom(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32) throw new ConfigError(SETTING, `${where} must hold the base64 of 32 bytes`);
  return bytes;
}

async function keyFile(dataDir: string): Promise<Buffer> {
  ensurePrivateDir(dataDir);
  const path = join(dataDir, SECRETS_KEY_FILE);
  const fresh = SecretBox.newKey();
  try {
    // 'wx': exactly one start creates it; the mode is set again below whatever the umask did to it.
    await writeFile(path, fresh.toString('base64') + '\n', { flag: 'wx', mode: PRIVATE_FILE_MODE });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  await chmod(path, PRIVATE_FILE_MODE);
  return keyFrom(await readFile(path, 'utf8'), `the key file ${path}`);
}

export async function loadSecretBox(config: Pick<Config, 'secretsKey' | 'dataDir'>): Promise<SecretBox> {
  const key = config.secretsKey !== null ? keyFrom(config.secretsKey, 'it') : await keyFile(config.dataDir);
  return new SecretBox(key);
}
