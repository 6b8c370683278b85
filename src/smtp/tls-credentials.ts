// The certificate and key of the SMTP listeners (SPEC §2.1): the configured PEM files, or else a
// self-signed pair generated on first start into <dataDir>/tls/ and reused on every later start.
import { createSecureContext } from 'node:tls';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config/settings.js';

export interface TlsCredentials {
  key: string;
  cert: string;
  /** Where they came from, for the start-up log. */
  source: 'configured' | 'generated' | 'reused';
}

const CERT_FILE = 'cert.pem';
const KEY_FILE = 'key.pem';
const VALIDITY_YEARS = 10;

async function readIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Writes beside the target and renames, so a crash never leaves half a PEM file to be "reused". */
async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, text, { mode });
  // The mode given to writeFile is narrowed by the umask; chmod sets it exactly (SPEC §10).
  await chmod(temp, mode);
  await rename(temp, path);
}

async function generatePair(hostname: string): Promise<{ key: string; cert: string }> {
  const notBeforeDate = new Date();
  const notAfterDate = new Date(notBeforeDate);
  notAfterDate.setFullYear(notAfterDate.getFullYear() + VALIDITY_YEARS);
  // Loaded only to make a certificate (once per data directory): its ASN.1 code is a few MiB of heap.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: hostname }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: hostname },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

function checkPair(key: string, cert: string, setting: string): void {
  try {
    createSecureContext({ key, cert });
  } catch {
    throw new ConfigError(setting, 'do not hold a PEM certificate and the private key that matches it');
  }
}

export async function loadTlsCredentials(
  config: Pick<Config, 'tlsCert' | 'tlsKey' | 'dataDir' | 'hostname'>,
  logger: Logger,
): Promise<TlsCredentials> {
  if (config.tlsCert !== null && config.tlsKey !== null) {
    const read = async (path: string, setting: string) => {
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        throw new ConfigError(
          setting,
          `names '${path}', which cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    };
    const cert = await read(config.tlsCert, 'PETREL_TLS_CERT');
    const key = await read(config.tlsKey, 'PETREL_TLS_KEY');
    checkPair(key, cert, 'PETREL_TLS_CERT/PETREL_TLS_KEY');
    return { key, cert, source: 'configured' };
  }

  const dir = join(config.dataDir, 'tls');
  const certPath = join(dir, CERT_FILE);
  const keyPath = join(dir, KEY_FILE);
  const [cert, key] = await Promise.all([readIfPresent(certPath), readIfPresent(keyPath)]);
  if (cert !== null && key !== null) {
    checkPair(key, cert, `the generated certificate in ${dir}`);
    return { key, cert, source: 'reused' };
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pair = await generatePair(config.hostname);
  // Key first: a cert.pem is only ever there with its key.pem beside it.
  await writeAtomically(keyPath, pair.key, 0o600);
  await writeAtomically(certPath, pair.cert, 0o600);
  logger.info({ dir }, 'generated a self-signed TLS certificate for the SMTP listeners');
  return { ...pair, source: 'generated' };
}
