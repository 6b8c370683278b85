// Reuse of outbound connections and a bound on how many are open to one destination (SPEC §3.3): idle
// sessions wait a short while for the next message to the same host from the same local address and EHLO
// name, are RSET before reuse, and never more than N connections (open or opening) go to one address:port.
import type { OpenResult, SessionSpec, SmtpSession } from './smtp-session.js';

export interface ConnectionPoolOptions {
  maxConnectionsPerDestination: number;
  /** How long an idle connection is kept for reuse. */
  idleTimeoutMs: number;
  /** A connection that has carried this many transactions is closed rather than reused. */
  maxTransactionsPerConnection: number;
  open: (spec: SessionSpec) => Promise<OpenResult>;
}

export type Acquired = OpenResult & { reused?: boolean };

/** A destination rule's limits (SPEC §9): its connections are counted and reused apart from others. */
export interface PoolLimits {
  /** The rule's match: connections under it are counted separately from other mail to the address. */
  group: string;
  maxConnections?: number;
  maxTransactions?: number;
}

interface Idle {
  session: SmtpSession;
  timer: NodeJS.Timeout;
  /** Stops watching for the server hanging up, once the entry leaves the idle list. */
  unwatch: () => void;
}

const destinationOf = (spec: SessionSpec, limits?: PoolLimits): string =>
  `${limits ? `${limits.group}@` : ''}${spec.address}:${spec.port}`;
const reuseKeyOf = (spec: SessionSpec, limits?: PoolLimits): string =>
  `${destinationOf(spec, limits)}|${spec.localAddress ?? '*'}|${spec.ehlo}|${spec.hostName}`;

export class ConnectionPool {
  private readonly idle = new Map<string, Idle[]>();
  /** Connections open or being opened, per destination. */
  private readonly counts = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();
  /** The limits a session was acquired under, for its release. */
  private readonly limitsOf = new WeakMap<SmtpSession, PoolLimits>();
  private closing = false;

  constructor(private readonly options: ConnectionPoolOptions) {}

  /** Connections open or opening to the destination (for tests and metrics). */
  openCount(address: string, port: number): number {
    return this.counts.get(`${address}:${port}`) ?? 0;
  }

  async acquire(spec: SessionSpec, limits?: PoolLimits): Promise<Acquired> {
    const destination = destinationOf(spec, limits);
    const key = reuseKeyOf(spec, limits);
    const max = limits?.maxConnections ?? this.options.maxConnectionsPerDestination;
    for (;;) {
      if (this.closing) {
        return {
          kind: 'failed',
          stage: 'connect',
          reply: { code: null, enhancedCode: '4.3.2', text: 'delivery is shutting down' },
        };
      }
      const reusable = this.takeIdle(key);
      if (reusable) {
        // RSET proves the connection is still alive and clears whatever the last transaction left.
        if (await reusable.reset()) {
          if (limits) this.limitsOf.set(reusable, limits);
          return { kind: 'open', session: reusable, reused: true };
        }
        continue;
      }
      const count = this.counts.get(destination) ?? 0;
      if (count < max) {
        const opened = await this.openNew(spec, destination);
        if (opened.kind === 'open' && limits) this.limitsOf.set(opened.session, limits);
        return opened;
      }
      // At the limit: an idle connection to this destination from another source gives its place up.
      if (this.closeOneIdle(destination)) continue;
      await new Promise<void>((resolve) => this.enqueueWaiter(destination, resolve));
    }
  }

  /** Hands a session back after its transactions: kept for reuse when it is healthy, else closed. */
  release(session: SmtpSession): void {
    const spec = session.spec;
    const limits = this.limitsOf.get(session);
    const maxTransactions = limits?.maxTransactions ?? this.options.maxTransactionsPerConnection;
    if (this.closing || !session.usable || session.transactions >= maxTransactions) {
      session.quit();
      return;
    }
    const key = reuseKeyOf(spec, limits);
    const entry: Idle = {
      session,
      timer: setTimeout(() => {
        this.removeIdle(key, entry);
        session.quit();
      }, this.options.idleTimeoutMs),
      // A server that hangs up on an idle connection takes it out of the pool at once.
      unwatch: session.onClose(() => {
        clearTimeout(entry.timer);
        this.removeIdle(key, entry);
      }),
    };
    entry.timer.unref();
    const list = this.idle.get(key) ?? [];
    list.push(entry);
    this.idle.set(key, list);
    this.wakeOne(destinationOf(spec, limits));
  }

  /** Quits every idle connection and refuses new acquisitions; sessions in use close on release. */
  close(): void {
    this.closing = true;
    for (const list of [...this.idle.values()]) {
      for (const entry of [...list]) {
        clearTimeout(entry.timer);
        entry.session.quit();
      }
    }
    this.idle.clear();
    for (const list of this.waiters.values()) for (const wake of list.splice(0)) wake();
  }

  private async openNew(spec: SessionSpec, destination: string): Promise<Acquired> {
    this.counts.set(destination, (this.counts.get(destination) ?? 0) + 1);
    let opened: OpenResult;
    try {
      opened = await this.options.open(spec);
    } catch (err) {
      this.forget(destination);
      throw err;
    }
    if (opened.kind === 'failed') {
      this.forget(destination);
      return opened;
    }
    opened.session.onClose(() => this.forget(destination));
    return opened;
  }

  private forget(destination: string): void {
    const n = (this.counts.get(destination) ?? 1) - 1;
    if (n <= 0) this.counts.delete(destination);
    else this.counts.set(destination, n);
    this.wakeOne(destination);
  }

  private takeIdle(key: string): SmtpSession | null {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const entry = list.pop() as Idle;
      clearTimeout(entry.timer);
      entry.unwatch();
      if (list.length === 0) this.idle.delete(key);
      if (entry.session.usable) return entry.session;
    }
    return null;
  }

  private closeOneIdle(destination: string): boolean {
    for (const [key, list] of this.idle) {
      if (!key.startsWith(`${destination}|`) || list.length === 0) continue;
      const entry = list.shift() as Idle;
      if (list.length === 0) this.idle.delete(key);
      clearTimeout(entry.timer);
      entry.unwatch();
      entry.session.quit();
      return true;
    }
    return false;
  }

  private removeIdle(key: string, entry: Idle): void {
    const list = this.idle.get(key);
    if (!list) return;
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.idle.delete(key);
  }

  private enqueueWaiter(destination: string, wake: () => void): void {
    const list = this.waiters.get(destination) ?? [];
    list.push(wake);
    this.waiters.set(destination, list);
  }

  private wakeOne(destination: string): void {
    const list = this.waiters.get(destination);
    const wake = list?.shift();
    if (list && list.length === 0) this.waiters.delete(destination);
    wake?.();
  }
}
