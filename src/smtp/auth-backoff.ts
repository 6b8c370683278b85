// Per-address back-off for SMTP AUTH failures (SPEC §2.2, §10): after `limit` failures within `windowMs`
// the address is refused for `blockMs`. An attempt counts as a failure from the moment it starts (before
// its slow hash), and is forgiven only if it succeeds: parallel attempts cannot all slip in under the
// limit. IPv6 clients are counted per /64, which one host usually holds whole.
import { isIPv6 } from 'node:net';

export interface AuthBackoffOptions {
  limit: number;
  windowMs: number;
  blockMs: number;
  /** Addresses tracked at most; the least recently failing are forgotten first. */
  maxTracked?: number;
  now?: () => number;
}

interface Record {
  /** Failure times within the window, oldest first. */
  failures: number[];
  blockedUntil: number;
}

/** The key an address is counted under: the address itself, or its /64 for IPv6. */
export function backoffKey(address: string): string {
  if (!isIPv6(address)) return address;
  // An embedded IPv4 tail ("64:ff9b::192.0.2.1") is two groups; write it as such before counting.
  const hex = address
    .toLowerCase()
    .replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
      [((Number(a) << 8) | Number(b)).toString(16), ((Number(c) << 8) | Number(d)).toString(16)].join(':'),
    );
  const [head = '', tail = ''] = hex.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = hex.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export class AuthBackoff {
  readonly #records = new Map<string, Record>();
  readonly #options: Required<AuthBackoffOptions>;

  constructor(options: AuthBackoffOptions) {
    this.#options = { maxTracked: 100_000, now: Date.now, ...options };
  }

  isBlocked(address: string): boolean {
    const record = this.#records.get(backoffKey(address));
    return record !== undefined && record.blockedUntil > this.#options.now();
  }

  /**
   * Starts an attempt: counted at once as a failure. Null when the address is blocked or its failures
   * (finished or still running) already reach the limit; else the token to settle the attempt with.
   */
  beginAttempt(address: string): number | null {
    const now = this.#options.now();
    const record = this.#touch(backoffKey(address), now);
    if (record.blockedUntil > now || record.failures.length >= this.#options.limit) return null;
    record.failures.push(now);
    this.#evict(now);
    return now;
  }

  /** A started attempt succeeded: it is no longer counted. */
  forgiveAttempt(address: string, token: number): void {
    const record = this.#records.get(backoffKey(address));
    const at = record?.failures.indexOf(token) ?? -1;
    if (record && at >= 0) record.failures.splice(at, 1);
  }

  /**
   * A started attempt failed (it is already counted, unless a block has since cleared the count); true
   * when the address is now blocked. Without a token, counts one failure of its own.
   */
  recordFailure(address: string, token?: number): boolean {
    const key = backoffKey(address);
    const now = this.#options.now();
    const record = this.#touch(key, now);
    if (token === undefined) record.failures.push(now);
    if (record.failures.length >= this.#options.limit) {
      record.blockedUntil = now + this.#options.blockMs;
      record.failures = [];
    }
    this.#evict(now);
    return record.blockedUntil > now;
  }

  /** The address's record, moved to the end of the Map, with failures older than the window dropped. */
  #touch(key: string, now: number): Record {
    const record = this.#records.get(key) ?? { failures: [], blockedUntil: 0 };
    // Re-inserting moves the address to the end of the Map: the front holds the longest-quiet ones.
    this.#records.delete(key);
    this.#records.set(key, record);
    const windowStart = now - this.#options.windowMs;
    while (record.failures.length > 0 && (record.failures[0] ?? 0) <= windowStart) record.failures.shift();
    return record;
  }

  #evict(now: number): void {
    while (this.#records.size > this.#options.maxTracked) {
      const oldest = this.#records.keys().next().value;
      if (oldest === undefined) break;
      this.#records.delete(oldest);
    }
    // Forget the front entries that no longer matter, a few at a time, so the map does not keep them.
    let checked = 0;
    for (const [key, record] of this.#records) {
      if (++checked > 8) break;
      const last = record.failures[record.failures.length - 1] ?? 0;
      if (record.blockedUntil <= now && last <= now - this.#options.windowMs) this.#records.delete(key);
    }
  }
}
