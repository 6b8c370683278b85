// Encryption at rest for secrets kept in the control-plane database (tracking key, VERP key, DKIM
// private keys): AES-256-GCM under a key that lives outside the database, so a copy of the database
// alone reveals none of them (SPEC §10). Where the key comes from is the caller's business
// (a key file in the data directory, or configuration shared by every node of a cluster).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new TypeError(`A secret-box key must be ${KEY_BYTES} bytes long`);
    this.#key = Buffer.from(key);
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts; `context` (e.g. a row's name) is bound as AAD. */
  seal(plain: Buffer | string, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plaintext of a sealed value; throws when the key, the context or the bytes do not match. */
  open(sealed: string, context = ''): Buffer {
    const [version, iv, tag, body, extra] = sealed.split('.');
    if (
      version !== VERSION ||
      iv === undefined ||
      tag === undefined ||
      body === undefined ||
      extra !== undefined
    )
      throw new Error('Not a sealed secret (or sealed by a newer Petrel)');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    const tagBytes = Buffer.from(tag, 'base64url');
    if (tagBytes.length !== TAG_BYTES) throw new Error('Sealed secret has a damaged tag');
    decipher.setAuthTag(tagBytes);
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
    } catch {
      throw new Error(
        'Sealed secret cannot be opened with this key (it was sealed with another secrets key)',
      );
    }
  }

  /** True when the value is in the sealed form (lets a migration tell old plaintext rows apart). */
  static isSealed(value: string): boolean {
    return value.startsWith(`${VERSION}.`) && value.split('.').length === 4;
  }

  static newKey(): Buffer {
    return randomBytes(KEY_BYTES);
  }
}
