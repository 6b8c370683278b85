// Delivers one message to the recipients of one domain: resolve the route, try each MX host and address
// in order until one takes the connection, run the transactions there (one for all recipients when their
// copies are identical, one per recipient when they differ) and report a result per recipient.
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Config, IpPoolConfig } from '../config/settings.js';
import { classifyReply } from './classify.js';
import { ConnectionPool, type PoolLimits } from './connection-pool.js';
import { Pacer } from './pacing/pacer.js';
import type { DestinationRule } from './pacing/rules.js';
import { isThrottleReply } from './pacing/throttle-phrases.js';
import { IpPoolSelector } from './ip-pool.js';
import type { WarmupTracker } from './warmup/warmup-tracker.js';
import { DestinationPolicy } from './destination-policy.js';
import { createMtaStsGuard, type MtaStsGuard, type MtaStsSettings, type StsPlan } from './mta-sts/index.js';
import { DEFAULT_RESOLVER_OPTIONS, MxResolver, type MxHost, type ResolverOptions } from './resolver.js';
import { openSession, type RecipientReply, type SmtpSession } from './smtp-session.js';
import { openAttempt, type AttemptDeps } from './connection-attempt.js';
import { NOWHERE, localFailure, type Failure, type Where } from './delivery-failure.js';
import { formatReply } from './smtp-reply.js';
import type { RecipientResult } from './types.js';

/** The message, as the per-recipient transform makes it. */
export interface MessageSource {
  /**
   * True when every recipient gets the same bytes (no footer, no tracking): one transaction then carries
   * up to `maxRecipientsPerTransaction` recipients. False: one transaction per recipient, each with its
   * own copy.
   */
  sameForAll: boolean;
  /** A fresh stream of the copy for `recipient` (any recipient of the transaction when sameForAll). */
  open(recipient: string): Readable;
  /** Announced with SIZE when known (the copies' size, roughly). */
  size?: number;
}

export interface DomainDelivery {
  /** The recipients' domain (the part after @); ignored in smarthost mode. */
  domain: string;
  /** The envelope sender; '' for the null sender (bounces). */
  mailFrom: string;
  /** VERP (SPEC §5): each recipient's own envelope sender; one transaction per recipient then. */
  mailFromFor?: (recipient: string) => string;
  recipients: readonly string[];
  message: MessageSource;
  /** The sender's IP pool id (SMTP user's ip_pool), or null for the system's own address. */
  ipPool: number | null;
  /** For logs only. */
  messageId?: string;
}

export interface OutboundTuning {
  connectTimeoutMs: number;
  greetingTimeoutMs: number;
  socketTimeoutMs: number;
  maxConnectionsPerDestination: number;
  idleTimeoutMs: number;
  maxTransactionsPerConnection: number;
  /** RFC 5321 §4.5.3.1.8: servers must take at least 100. */
  maxRecipientsPerTransaction: number;
}

export const DEFAULT_OUTBOUND_TUNING: Readonly<OutboundTuning> = {
  connectTimeoutMs: 30_000,
  greetingTimeoutMs: 60_000,
  socketTimeoutMs: 5 * 60_000,
  maxConnectionsPerDestination: 10,
  idleTimeoutMs: 10_000,
  maxTransactionsPerConnection: 100,
  maxRecipientsPerTransaction: 100,
};

export interface OutboundOptions extends Partial<OutboundTuning> {
  /** EHLO name when the sender has no pool, or the pool names none. */
  hostname: string;
  ipPools: readonly IpPoolConfig[];
  resolver: MxResolver;
  /** MTA-STS for MX delivery; null with a smarthost (the operator's relay decides its own TLS). */
  mtaSts?: MtaStsGuard | null;
  logger?: Logger;
  /** Warm-up counts of pool addresses (SPEC §9); absent: counted in memory only. */
  warmup?: WarmupTracker;
  /** Per-destination rules and slow-downs (SPEC §9); by default the built-in rules only. */
  pacer?: Pacer;
}

export class OutboundDelivery {
  private readonly tuning: OutboundTuning;
  private readonly pools: IpPoolSelector;
  private readonly connections: ConnectionPool;
  private readonly attempts: AttemptDeps;
  /** Shared with the worker, which asks it before starting a delivery. */
  readonly pacing: Pacer;

  constructor(private readonly options: OutboundOptions) {
    this.pacing = options.pacer ?? new Pacer({ rules: [] });
    this.tuning = { ...DEFAULT_OUTBOUND_TUNING, ...definedOnly(options) };
    this.pools = new IpPoolSelector(options.ipPools, options.hostname, options.warmup);
    this.connections = new ConnectionPool({
      maxConnectionsPerDestination: this.tuning.maxConnectionsPerDestination,
      idleTimeoutMs: this.tuning.idleTimeoutMs,
      maxTransactionsPerConnection: this.tuning.maxTransactionsPerConnection,
      open: openSession,
    });
    this.attempts = {
      pools: this.pools,
      connections: this.connections,
      timeouts: this.tuning,
      mtaSts: options.mtaSts,
      logger: options.logger,
    };
  }

  /**
   * True when the domain is an address literal of an address mail may never go to (SPEC §10): its
   * recipients are refused (event `rejected`), whatever the route, smarthost included.
   */
  refusesDestination(domain: string): boolean {
    return this.options.resolver.refusesLiteral(domain);
  }

  /** One result per entry of `recipients`, in the same order. Never rejects for a delivery failure. */
  async deliverToDomain(delivery: DomainDelivery): Promise<RecipientResult[]> {
    const unique = [...new Set(delivery.recipients)];
    if (unique.length === 0) return [];
    const results = new Map<string, RecipientResult>();
    const setAll = (recipients: string[], f: Failure): void => {
      for (const r of recipients) results.set(r, resultOf(r, f, f.where));
    };
    if (delivery.ipPool !== null && !this.pools.has(delivery.ipPool)) {
      // Sending from an address the user was not given is worse than waiting for the operator.
      setAll(unique, localFailure('config', '4.3.5', `IP pool ${delivery.ipPool} is not configured`));
    } else {
      const route = await this.options.resolver.resolve(delivery.domain);
      if (route.kind === 'failed') setAll(unique, { stage: 'dns', reply: route.reply, where: NOWHERE });
      else {
        const plan = this.options.mtaSts
          ? await this.options.mtaSts.plan(delivery.domain, route.hosts, delivery.messageId)
          : null;
        if (plan?.kind === 'defer') setAll(unique, { stage: 'connect', reply: plan.reply, where: NOWHERE });
        else {
          const rule = this.pacing.ruleFor(
            delivery.domain,
            route.hosts.map((h) => h.name),
          );
          const limits = poolLimits(rule);
          const { pending, failure } = await this.deliverVia(route.hosts, delivery, unique, results, {
            plan,
            limits,
          });
          setAll(pending, failure);
        }
      }
    }
    const throttled = [...results.values()].find((r) => r.outcome !== 'delivered' && isThrottleReply(r));
    if (throttled) {
      this.pacing.slowDown(delivery.domain, formatReply(throttled));
      this.options.logger?.warn(
        { domain: delivery.domain, destination: this.pacing.keyFor(delivery.domain) },
        'delivery: destination asks to slow down; its rate is halved',
      );
    }
    for (const result of results.values()) this.log(delivery, result);
    return delivery.recipients.map((r) => results.get(r) as RecipientResult);
  }

  /** Quits idle connections; in-flight deliveries finish and their connections close on release. */
  close(): void {
    this.connections.close();
    this.options.resolver.close();
    this.options.mtaSts?.close();
  }

  /** Tries the hosts in order; returns the recipients no host took a transaction for, and why. */
  private async deliverVia(
    hosts: MxHost[],
    delivery: DomainDelivery,
    recipients: string[],
    results: Map<string, RecipientResult>,
    { plan, limits }: { plan: StsPlan | null; limits: PoolLimits | undefined },
  ): Promise<{ pending: string[]; failure: Failure }> {
    let pending = recipients;
    const failures: Failure[] = [];
    for (const host of plan?.kind === 'deliver' ? plan.hosts : hosts) {
      for (const address of host.addresses) {
        if (pending.length === 0) break;
        const attempt = await openAttempt(this.attempts, {
          host,
          address,
          domain: delivery.domain,
          ipPool: delivery.ipPool,
          messages: this.transactionCount(delivery, pending.length),
          plan,
          limits,
          ...(delivery.messageId === undefined ? {} : { messageId: delivery.messageId }),
        });
        if (attempt.kind === 'failed') {
          failures.push(attempt.failure);
          continue;
        }
        try {
          pending = await this.runTransactions(attempt.session, delivery, pending, results);
        } finally {
          this.connections.release(attempt.session);
        }
      }
    }
    // No host took the rest: a temporary failure anywhere keeps them waiting; only when every host
    // refused for good is it final.
    const failure =
      failures.filter((f) => classifyReply(f.reply).outcome !== 'bounced').at(-1) ??
      failures.at(-1) ??
      localFailure('connect', '4.4.1', 'no host could be reached');
    return { pending, failure };
  }

  /** How many messages (transactions) the recipients take, as runTransactions groups them. */
  private transactionCount(delivery: DomainDelivery, recipients: number): number {
    return delivery.message.sameForAll && !delivery.mailFromFor
      ? Math.ceil(recipients / this.tuning.maxRecipientsPerTransaction)
      : recipients;
  }

  /** Runs the transactions on one session; returns the recipients it could not get to (session lost). */
  private async runTransactions(
    session: SmtpSession,
    delivery: DomainDelivery,
    recipients: string[],
    results: Map<string, RecipientResult>,
  ): Promise<string[]> {
    const groups =
      delivery.message.sameForAll && !delivery.mailFromFor
        ? chunk(recipients, this.tuning.maxRecipientsPerTransaction)
        : recipients.map((r) => [r]);
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i] as string[];
      // RSET between the transactions of one connection (the pool RSETs one it hands out again).
      if (!session.usable || (i > 0 && !(await session.reset()))) return groups.slice(i).flat();
      const replies = await this.transaction(session, delivery, group);
      const where: Where = {
        host: session.spec.hostName,
        remoteAddress: session.spec.address,
        localAddress: session.spec.localAddress,
        tls: session.tls,
      };
      for (const r of group) {
        const reply = replies.get(r) ?? localFailure('message', '4.4.2', 'no reply for this recipient');
        results.set(r, resultOf(r, reply, where));
      }
    }
    return [];
  }

  private async transaction(
    session: SmtpSession,
    delivery: DomainDelivery,
    group: string[],
  ): Promise<Map<string, RecipientReply>> {
    let stream: Readable;
    try {
      stream = delivery.message.open(group[0] as string);
    } catch (err) {
      // The transform could not even start: nothing was sent, the session stays usable.
      const text = `the message could not be prepared: ${err instanceof Error ? err.message : String(err)}`;
      return new Map(group.map((r) => [r, localFailure('message', '4.3.0', text)]));
    }
    const from = delivery.mailFromFor?.(group[0] as string) ?? delivery.mailFrom;
    return session.send({ from, to: group, size: delivery.message.size }, stream);
  }

  private log(delivery: DomainDelivery, r: RecipientResult): void {
    const logger = this.options.logger;
    if (!logger) return;
    const fields = {
      messageId: delivery.messageId,
      recipient: r.recipient,
      outcome: r.outcome,
      stage: r.stage,
      host: r.host,
      address: r.remoteAddress,
      localAddress: r.localAddress,
      tls: r.tls,
      rule: r.rule ?? undefined,
    };
    const line = `delivery ${r.outcome}: ${formatReply(r)}`;
    if (r.outcome === 'delivered') logger.info(fields, line);
    else logger.warn(fields, line);
  }
}

/** The delivery service as the configuration describes it, with tuning (timeouts, limits) on top. */
export function createOutboundDelivery(
  config: Pick<Config, 'hostname' | 'ipPools' | 'smarthost' | 'dnsServers' | 'allowedPrivateDestinations'> &
    Partial<Pick<Config, 'mtaStsCaFile' | 'mtaStsPolicyPort'>>,
  overrides: Partial<OutboundTuning> & {
    resolver?: Partial<ResolverOptions>;
    mtaSts?: Partial<MtaStsSettings>;
    logger?: Logger;
    warmup?: WarmupTracker;
    pacer?: Pacer;
  } = {},
): OutboundDelivery {
  const { resolver: resolverOverrides, mtaSts: stsOverrides, logger, warmup, pacer, ...tuning } = overrides;
  const destinations = DestinationPolicy.fromConfig(config);
  const resolverOptions: ResolverOptions = {
    ...DEFAULT_RESOLVER_OPTIONS,
    dnsServers: config.dnsServers,
    smarthost: config.smarthost,
    destinations,
    ...resolverOverrides,
  };
  const resolver = new MxResolver(resolverOptions);
  // With a smarthost there is no MX to check: MTA-STS does not apply (docs/delivery.md).
  const mtaSts =
    config.smarthost === null
      ? createMtaStsGuard({
          caFile: config.mtaStsCaFile ?? null,
          policyPort: config.mtaStsPolicyPort,
          dnsServers: config.dnsServers,
          dnsTimeoutMs: resolverOptions.timeoutMs,
          dnsTries: resolverOptions.tries,
          destinations,
          logger,
          ...stsOverrides,
        })
      : null;
  return new OutboundDelivery({
    hostname: config.hostname,
    ipPools: config.ipPools,
    resolver,
    mtaSts,
    logger,
    warmup,
    pacer,
    ...tuning,
  });
}

/** A rule's connection limits as the pool takes them; no rule, the pool's usual bound. */
function poolLimits(rule: DestinationRule | null): PoolLimits | undefined {
  if (!rule) return undefined;
  return {
    group: rule.match,
    maxConnections: rule.max_connections,
    maxTransactions: rule.messages_per_connection,
  };
}

function resultOf(recipient: string, r: RecipientReply, where: Where): RecipientResult {
  const c = classifyReply(r.reply);
  return { recipient, outcome: c.outcome, rule: c.rule, ...r.reply, stage: r.stage, ...where };
}

function chunk<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Spread-friendly: leaves out keys whose value is undefined so they do not override the defaults. */
function definedOnly(options: Partial<OutboundTuning>): Partial<OutboundTuning> {
  const keys = Object.keys(DEFAULT_OUTBOUND_TUNING) as (keyof OutboundTuning)[];
  const out: Partial<OutboundTuning> = {};
  for (const k of keys) if (options[k] !== undefined) out[k] = options[k];
  return out;
}
