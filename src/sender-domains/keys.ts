// A sender domain's DKIM key pair (SPEC §5): RSA 2048, published as `v=DKIM1; k=rsa; p=<SPKI, base64>`;
// the private half is sealed with the secret box before it reaches the database.
import { createPrivateKey, generateKeyPair, randomInt, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { SecretBox } from '../security/secret-box.js';

const generate = promisify(generateKeyPair);

export interface DkimKeyPair {
  /** The private key, sealed (context: the domain), for the database. */
  sealed: string;
  /** The public key: base64 of its DER SubjectPublicKeyInfo (the `p=` tag). */
  publicKey: string;
}

export async function newDkimKey(box: SecretBox, domain: string): Promise<DkimKeyPair> {
  const { publicKey, privateKey } = await generate('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  return {
    sealed: box.seal(pem, sealContext(domain)),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/** Opens a sealed private key; throws when the box's key is not the one that sealed it. */
export function openDkimKey(box: SecretBox, domain: string, sealed: string): KeyObject {
  return createPrivateKey(box.open(sealed, sealContext(domain)));
}

/** The TXT record to publish at `<selector>._domainkey.<domain>`. */
export function dkimRecordValue(publicKey: string): string {
  return `v=DKIM1; k=rsa; p=${publicKey}`;
}

/** A fresh selector: `s` + six digits (the DKIM key), `em` + six digits (the return path). */
export function newSelector(prefix: 's' | 'em'): string {
  return `${prefix}${randomInt(100_000, 1_000_000)}`;
}

const sealContext = (domain: string): string => `dkim:${domain.toLowerCase()}`;
