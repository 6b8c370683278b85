// A sender domain's DKIM key pairs (SPEC §5): RSA 2048, published as `v=DKIM1; k=rsa; p=<SPKI, base64>`,
// and the Ed25519 second key (RFC 8463), `v=DKIM1; k=ed25519; p=<raw 32-byte key, base64>`; the private
// halves are sealed with the secret box before they reach the database.
import { createPrivateKey, generateKeyPair, randomInt, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { SecretBox } from '../security/secret-box.js';
import type { DkimAlgorithm } from './dkim-signer.js';

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
    sealed: box.seal(pem, sealContext(domain, 'rsa')),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/** The Ed25519 key pair; `p=` is the bare 32-byte public key (RFC 8463 §4), the SPKI's last bytes. */
export async function newEd25519Key(box: SecretBox, domain: string): Promise<DkimKeyPair> {
  const { publicKey, privateKey } = await generate('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return {
    sealed: box.seal(pem, sealContext(domain, 'ed25519')),
    publicKey: spki.subarray(spki.length - 32).toString('base64'),
  };
}

/** Opens a sealed private key; throws when the box's key is not the one that sealed it. */
export function openDkimKey(
  box: SecretBox,
  domain: string,
  sealed: string,
  algorithm: DkimAlgorithm = 'rsa',
): KeyObject {
  return createPrivateKey(box.open(sealed, sealContext(domain, algorithm)));
}

/** The TXT record to publish at `<selector>._domainkey.<domain>`. */
export function dkimRecordValue(publicKey: string, algorithm: DkimAlgorithm = 'rsa'): string {
  return `v=DKIM1; k=${algorithm}; p=${publicKey}`;
}

/** A fresh selector: `s` + six digits (the DKIM key), `ed` + six (the Ed25519 key), `em` + six (return path). */
export function newSelector(prefix: 's' | 'ed' | 'em'): string {
  return `${prefix}${randomInt(100_000, 1_000_000)}`;
}

// The RSA key keeps the context it always had, so keys sealed before the Ed25519 one still open.
const sealContext = (domain: string, algorithm: DkimAlgorithm): string =>
  `${algorithm === 'rsa' ? 'dkim' : 'dkim-ed25519'}:${domain.toLowerCase()}`;
