// The per-address guards of the SMTP listeners (SPEC §2.2, §10) behind one asynchronous face: the AUTH
// back-off, connections held open and AUTH attempts in progress. A single process keeps them in memory
// (LocalClientGuard); the workers of one node ask their supervisor, which keeps the node's one set
// (src/workers/client-guard-channel.ts), so that spreading connections over workers gains a guesser nothing.
import { AuthBackoff } from './auth-backoff.js';
import { ClientLimits } from './client-limits.js';

export interface ClientGuardOptions {
  authFailureLimit: number;
  authFailureWindowMs: number;
  authBlockMs: number;
  maxConnections: number;
  maxConcurrentAuth: number;
}

/** Why an address was turned away. */
export type Refused = 'blocked' | 'too-many';

export interface ClientGuard {
  /** Admits and counts a connection, or says why not; a counted one is given back by closeConnection. */
  openConnection(address: string): Promise<'ok' | Refused>;
  closeConnection(address: string): void;
  /**
   * Starts a login: takes an AUTH slot and counts a failure at once (before the slow hash), or says why
   * not. The token settles it through endAuth.
   */
  beginAuth(address: string): Promise<{ token: number } | Refused>;
  /**
   * Settles a started login and gives its slot back: a success (or a store that could not answer) is
   * forgiven, a failure stays counted. True when the address is now blocked.
   */
  endAuth(address: string, token: number, succeeded: boolean): Promise<boolean>;
}

/** The guards in this process's memory. */
export class LocalClientGuard implements ClientGuard {
  readonly #backoff: AuthBackoff;
  readonly #limits: ClientLimits;

  constructor(options: ClientGuardOptions, now?: () => number) {
    this.#backoff = new AuthBackoff({
      limit: options.authFailureLimit,
      windowMs: options.authFailureWindowMs,
      blockMs: options.authBlockMs,
      ...(now ? { now } : {}),
    });
    this.#limits = new ClientLimits(options);
  }

  openConnection(address: string): Promise<'ok' | Refused> {
    if (this.#backoff.isBlocked(address)) return Promise.resolve('blocked');
    return Promise.resolve(this.#limits.openConnection(address) ? 'ok' : 'too-many');
  }

  closeConnection(address: string): void {
    this.#limits.closeConnection(address);
  }

  beginAuth(address: string): Promise<{ token: number } | Refused> {
    if (!this.#limits.takeAuthSlot(address)) return Promise.resolve('too-many');
    const token = this.#backoff.beginAttempt(address);
    if (token === null) {
      this.#limits.giveAuthSlot(address);
      return Promise.resolve('blocked');
    }
    return Promise.resolve({ token });
  }

  endAuth(address: string, token: number, succeeded: boolean): Promise<boolean> {
    this.#limits.giveAuthSlot(address);
    if (succeeded) {
      this.#backoff.forgiveAttempt(address, token);
      return Promise.resolve(false);
    }
    return Promise.resolve(this.#backoff.recordFailure(address, token));
  }
}

export function clientGuardOptions(config: {
  smtpAuthFailureLimit: number;
  smtpAuthFailureWindowSeconds: number;
  smtpAuthBlockSeconds: number;
  smtpMaxConnectionsPerIp: number;
  smtpMaxConcurrentAuthPerIp: number;
}): ClientGuardOptions {
  return {
    authFailureLimit: config.smtpAuthFailureLimit,
    authFailureWindowMs: config.smtpAuthFailureWindowSeconds * 1000,
    authBlockMs: config.smtpAuthBlockSeconds * 1000,
    maxConnections: config.smtpMaxConnectionsPerIp,
    maxConcurrentAuth: config.smtpMaxConcurrentAuthPerIp,
  };
}
