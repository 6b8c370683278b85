// Checks SMTP AUTH credentials against the SMTP users (SPEC §2.2). The user row is always read (one
// indexed query), so a password changed on any node takes effect at the next login; the slow hash is
// skipped only when the cache vouches for this exact password against this exact stored hash.
import { randomBytes } from 'node:crypto';
import { normaliseUsername } from '../domain/username.js';
import { hashPassword, verifyPassword } from '../security/password-hash.js';
import type { SmtpUserRecord } from '../store/repositories/smtp-users.js';
import type { CredentialCache } from './credential-cache.js';

export interface UserLookup {
  findByLogin(username: string): Promise<SmtpUserRecord | undefined>;
}

/** At most this many scrypt runs at once: they share libuv's 4 threads with the spool's disk I/O. */
const MAX_CONCURRENT_HASHES = 2;

/** A small FIFO semaphore. */
class Limiter {
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    try {
      return await task();
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
}

export interface Authenticator {
  /** The user when the credentials are right; null otherwise (unknown user or wrong password alike). */
  authenticate(username: string, password: string): Promise<SmtpUserRecord | null>;
}

export async function createAuthenticator(users: UserLookup, cache: CredentialCache): Promise<Authenticator> {
  // Unknown users are checked against this hash of a random password, so that they take as long to
  // refuse as a wrong password does and the answer time does not tell which usernames exist.
  const decoyHash = await hashPassword(randomBytes(18).toString('base64'));
  const limiter = new Limiter(MAX_CONCURRENT_HASHES);

  return {
    async authenticate(username, password) {
      const user = await users.findByLogin(username);
      const usernameLower = normaliseUsername(username);
      if (!user) {
        await limiter.run(() => verifyPassword(password, decoyHash));
        return null;
      }
      const key = cache.keyFor(usernameLower, password);
      if (cache.has(key, user.passwordHash)) return user;
      const ok = await limiter.run(() => verifyPassword(password, user.passwordHash));
      if (!ok) return null;
      cache.remember(key, usernameLower, user.passwordHash);
      return user;
    },
  };
}
