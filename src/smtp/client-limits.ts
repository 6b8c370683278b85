// Caps per client address on one node (SPEC §10): SMTP connections held open at once, and SMTP AUTH
// attempts in progress at once, so that one address can neither hog the listener nor queue up slow
// password hashes. Addresses are counted as the AUTH back-off counts them (IPv6 per /64).
import { backoffKey } from './auth-backoff.js';

export interface ClientLimitsOptions {
  maxConnections: number;
  maxConcurrentAuth: number;
}

/** A counter per key that forgets a key once its count is back to zero. */
class Counts {
  readonly #counts = new Map<string, number>();

  /** Adds one unless the key is at `max`; true when it was added. */
  take(key: string, max: number): boolean {
    const n = this.#counts.get(key) ?? 0;
    if (n >= max) return false;
    this.#counts.set(key, n + 1);
    return true;
  }

  give(key: string): void {
    const n = (this.#counts.get(key) ?? 0) - 1;
    if (n > 0) this.#counts.set(key, n);
    else this.#counts.delete(key);
  }
}

export class ClientLimits {
  readonly #connections = new Counts();
  readonly #auth = new Counts();

  constructor(private readonly options: ClientLimitsOptions) {}

  /** Counts a new connection; false (not counted) when its address already holds the most it may. */
  openConnection(address: string): boolean {
    return this.#connections.take(backoffKey(address), this.options.maxConnections);
  }

  /** Gives back a connection that openConnection counted. */
  closeConnection(address: string): void {
    this.#connections.give(backoffKey(address));
  }

  /** Counts one AUTH in progress; false (not counted) when the address has too many. */
  takeAuthSlot(address: string): boolean {
    return this.#auth.take(backoffKey(address), this.options.maxConcurrentAuth);
  }

  giveAuthSlot(address: string): void {
    this.#auth.give(backoffKey(address));
  }
}
