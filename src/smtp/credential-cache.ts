// A short-lived, in-memory record of SMTP logins whose slow hash has already been verified, so that a
// client logging in again and again does not cost a scrypt run each time (SPEC §2.2).
import { createHmac, randomBytes } from 'node:crypto';

interface Entry {
  usernameLower: string;
  /** The stored hash the password was verified against: a changed password makes the entry useless. */
  passwordHash: string;
  expiresAt: number;
}

export interface CredentialCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

export class CredentialCache {
  // Random per process: the keys are meaningless outside this node and no secret is ever stored.
  readonly #secret = randomBytes(32);
  // Map keeps insertion order, so the first entry is the oldest: that is what gets evicted when full.
  readonly #entries = new Map<string, Entry>();
  readonly #keysByUser = new Map<string, Set<string>>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: CredentialCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** HMAC-SHA256 of username and password: the password itself is never kept, not even hashed fast. */
  keyFor(usernameLower: string, password: string): string {
    return createHmac('sha256', this.#secret).update(`${usernameLower}\0${password}`).digest('base64');
  }

  /** True when this key was verified against exactly `passwordHash` and has not expired. */
  has(key: string, passwordHash: string): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    if (entry.expiresAt <= this.#now() || entry.passwordHash !== passwordHash) {
      this.#delete(key, entry);
      return false;
    }
    return true;
  }

  remember(key: string, usernameLower: string, passwordHash: string): void {
    const old = this.#entries.get(key);
    if (old) this.#delete(key, old);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.entries().next().value;
      if (!oldest) break;
      this.#delete(oldest[0], oldest[1]);
    }
    this.#entries.set(key, { usernameLower, passwordHash, expiresAt: this.#now() + this.#ttlMs });
    let keys = this.#keysByUser.get(usernameLower);
    if (!keys) this.#keysByUser.set(usernameLower, (keys = new Set()));
    keys.add(key);
  }

  /** Drops every entry of a user (edited or removed on this node). */
  forgetUser(usernameLower: string): void {
    for (const key of this.#keysByUser.get(usernameLower) ?? []) {
      const entry = this.#entries.get(key);
      if (entry) this.#delete(key, entry);
    }
    this.#keysByUser.delete(usernameLower);
  }

  get size(): number {
    return this.#entries.size;
  }

  #delete(key: string, entry: Entry): void {
    this.#entries.delete(key);
    const keys = this.#keysByUser.get(entry.usernameLower);
    keys?.delete(key);
    if (keys?.size === 0) this.#keysByUser.delete(entry.usernameLower);
  }
}
