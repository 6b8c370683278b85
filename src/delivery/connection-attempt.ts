// One connection attempt of a delivery, to one address of one MX host: the sending address (the sender's
// IP pool and its warm-up share, SPEC §9), a session from the connection pool within the destination's
// limits (pacing rules), and MTA-STS's verdict on that session. The rules themselves live in
// ip-pool.ts, pacing/ and mta-sts/; outbound.ts tries the hosts in order with this.
import type { Logger } from 'pino';
import type { ConnectionPool, PoolLimits } from './connection-pool.js';
import { localFailure, type Failure, type Where } from './delivery-failure.js';
import type { IpPoolSelector } from './ip-pool.js';
import type { MtaStsGuard, StsPlan } from './mta-sts/index.js';
import type { MxHost } from './resolver.js';
import type { SmtpSession } from './smtp-session.js';
import { formatReply } from './smtp-reply.js';

export interface AttemptDeps {
  pools: IpPoolSelector;
  connections: ConnectionPool;
  timeouts: { connectTimeoutMs: number; greetingTimeoutMs: number; socketTimeoutMs: number };
  mtaSts?: MtaStsGuard | null;
  logger?: Logger;
}

export interface AttemptTarget {
  host: MxHost;
  address: string;
  domain: string;
  ipPool: number | null;
  /** Transactions the delivery needs (what a warm-up share is counted in). */
  messages: number;
  plan: StsPlan | null;
  limits: PoolLimits | undefined;
  messageId?: string;
}

export type Attempt = { kind: 'open'; session: SmtpSession } | { kind: 'failed'; failure: Failure };

/**
 * Opens a session for the delivery, or says why not. A session handed back must be released to the
 * pool by the caller; on failure whatever the attempt took (a warm-up share, a pooled session) is
 * already given back.
 */
export async function openAttempt(deps: AttemptDeps, target: AttemptTarget): Promise<Attempt> {
  const { host, address, ipPool, messages, plan } = target;
  const where: Where = { host: host.name, remoteAddress: address, localAddress: null, tls: false };
  const failed = (failure: Failure): Attempt => ({ kind: 'failed', failure });
  const source = deps.pools.choose(ipPool, address, messages);
  if (source === null) {
    const text = `IP pool ${ipPool} has no address of the family of ${host.name}[${address}]`;
    return failed(localFailure('connect', '4.4.4', text, where));
  }
  if ('warmedOut' in source) {
    // Waiting is what warm-up is for: deferred, never bounced, and no other address is used.
    const renews = new Date(source.renewsAt).toISOString();
    const text = `IP warm-up: the addresses of IP pool ${ipPool} have sent their share for today; waiting until ${renews}`;
    return failed(localFailure('connect', '4.4.5', text, where));
  }
  const from = { ...where, localAddress: source.localAddress };
  const acquired = await deps.connections.acquire(
    {
      hostName: host.name,
      address,
      port: host.port,
      localAddress: source.localAddress,
      ehlo: source.ehlo,
      ...deps.timeouts,
      ...(plan?.kind === 'deliver' ? { tls: plan.tls } : {}),
    },
    target.limits,
  );
  const sts = deps.mtaSts;
  if (acquired.kind === 'failed') {
    deps.pools.unused(ipPool, source, messages);
    const reply = sts && plan ? sts.explainConnectFailure(plan, acquired, target.domain) : acquired.reply;
    deps.logger?.warn(
      { messageId: target.messageId, host: host.name, address, localAddress: source.localAddress },
      `delivery: ${formatReply(reply)}`,
    );
    return failed({ stage: acquired.stage, reply, where: from });
  }
  const refused =
    sts && plan ? sts.checkSession(plan, acquired.session, target.domain, target.messageId) : null;
  if (refused) {
    // A reused session without a verified STARTTLS: not one byte of the message goes over it.
    deps.pools.unused(ipPool, source, messages);
    acquired.session.close();
    deps.connections.release(acquired.session);
    return failed({ stage: 'connect', reply: refused, where: from });
  }
  return { kind: 'open', session: acquired.session };
}
