// The composition root: the only place that wires store, operations, API, spool, SMTP and delivery
// together into one running node.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApi } from './api/app.js';
import { createArchiver, type Archiver } from './archive/archiver.js';
import { startRetention } from './archive/retention.js';
import { purgeExpiredEvents } from './store/events/retention.js';
import type { Config } from './config/settings.js';
import { acceptedEventsListener } from './delivery/accepted-events.js';
import { EventRecorder } from './delivery/event-recorder.js';
import type { InboundListener } from './inbound/inbound-server.js';
import { startInbound } from './inbound/start.js';
import { verifiedReturnPathHosts } from './sender-domains/return-path-hosts.js';
import { createOutboundDelivery } from './delivery/outbound.js';
import { createPacer } from './delivery/pacing/create.js';
import { retryPolicyFromConfig, type RetryPolicy } from './delivery/retry-policy.js';
import { DeliveryWorker } from './delivery/worker.js';
import { WarmupTracker } from './delivery/warmup/warmup-tracker.js';
import { startDelayNotices } from './delivery/delay-notice.js';
import { createMetrics, type Metrics } from './metrics.js';
import { DeliveryRateSampler, metricsTotals } from './operations/delivery-rates.js';
import { NodeHeartbeat, nodeIdOf } from './operations/node-heartbeat.js';
import { PETREL_VERSION } from './version.js';
import { createOperationsDeps, type OperationsDeps } from './operations/context.js';
import { startSmtpService, type SmtpService } from './smtp/submission-server.js';
import { openSpool, type DurableSpool, type SpoolOptions } from './spool/index.js';
import type { Store } from './store/database.js';
import { openPreparedStore } from './data-dir.js';
import { startSenderDomains, type SenderDomainsNode } from './sender-domains/node.js';
import { startWebhooks } from './webhooks/start.js';
import { shardDirectory } from './spool/shards.js';
import { nodeQueues } from './spool/node-queues.js';
import { clusterMetricsSource } from './workers/cluster-metrics.js';
import { RemoteClientGuard } from './workers/client-guard-channel.js';
import { RemoteRequestCounter } from './workers/request-counter-channel.js';
import type { WorkerIdentity } from './workers/supervisor.js';
import { workerShare } from './workers/share.js';

export interface PetrelNode {
  config: Config;
  store: Store;
  ops: OperationsDeps;
  metrics: Metrics;
  api: FastifyInstance;
  /** The HTTP API's base URL, e.g. http://127.0.0.1:8080 (the real port when configured as 0). */
  httpUrl: string;
  spool: DurableSpool;
  /** HMAC key of tracking and unsubscribe links (SPEC §3.5), the same on every node. */
  trackingSecret: Buffer;
  /** The SMTP listeners; `smtp.ports` holds the real bound ports (configured port 0 included). */
  smtp: SmtpService;
  /** The listener for late bounces and complaints (SPEC §6); `inbound.port` is the real bound port. */
  inbound: InboundListener;
  /** The delivery worker; null when PETREL_DELIVERY_CONCURRENCY is 0 (mail stays queued). */
  worker: DeliveryWorker | null;
  /** Activity events written behind the mail flow (intake and delivery). */
  events: EventRecorder;
  archiver: Archiver;
  /** Sender domains (SPEC §5): DKIM, VERP and the periodic DNS re-check. */
  senderDomains: SenderDomainsNode;
  close(): Promise<void>;
}

export interface StartOptions {
  /** PostgreSQL schema (tests give each node set its own). */
  pgSchema?: string;
  /** Test seams of the spool (a failing WAL sync, a full disk). */
  spool?: Pick<SpoolOptions, 'openForSync' | 'openBodyFile'>;
  /** Which of the node's worker processes this is (docs/workers.md); one process by default. */
  worker?: WorkerIdentity;
}

export async function startNode(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<PetrelNode> {
  const identity = options.worker ?? { index: 0, count: 1 };
  const { store, trackingSecret } = await openPreparedStore(config, options.pgSchema);
  const ops = createOperationsDeps(store, config.ipPools, logger);
  let retryPolicy: RetryPolicy;
  try {
    retryPolicy = retryPolicyFromConfig(config);
  } catch (err) {
    await store.close();
    throw err;
  }
  const events = new EventRecorder(ops.repos.events, logger);
  const archiver = createArchiver({
    dataDir: config.dataDir,
    db: store.db,
    logger,
    retentionDays: config.archiveRetentionDays,
    hostname: config.hostname,
  });
  const metrics = createMetrics();
  if (identity.count > 1) metrics.exposeFrom(clusterMetricsSource(metrics.registry));
  const spoolDir = shardDirectory(config.dataDir, identity.index);
  // Each part that started is stopped again if a later one fails, newest first.
  const stops: (() => Promise<void>)[] = [() => store.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  let api: FastifyInstance;
  let httpUrl: string;
  let spool: DurableSpool;
  let smtp: SmtpService;
  let inbound: InboundListener;
  let worker: DeliveryWorker | null = null;
  let senderDomains: SenderDomainsNode;
  try {
    senderDomains = await startSenderDomains(config, ops, logger);
    stops.push(() => senderDomains.stop());
    spool = await openSpool(spoolDir, logger, {
      hostname: config.hostname,
      ...options.spool,
    });
    stops.push(() => spool.close());
    const queue = spool.queue;
    metrics.watchQueue(() => ({ ...queue.counts() }));
    // Closed after the SMTP listeners, before the spool: the events of the last messages are written.
    stops.push(() => events.idle());
    spool.onAccepted(
      acceptedEventsListener({
        events,
        onSubject: (id, subject) => worker?.rememberSubject(id, subject),
      }),
    );
    // Archived and sandboxed messages are kept only for their retention periods (hourly purge).
    const retention = startRetention({
      archiver,
      queue: spool.queue,
      sandboxRetentionDays: config.sandboxRetentionDays,
      purgeEvents: async () => {
        const purge = await purgeExpiredEvents(store, config.eventRetentionDays);
        logger.info(
          { ...purge, eventRetentionDays: config.eventRetentionDays },
          'events: retention pass done',
        );
      },
      logger,
    });
    stops.push(() => retention.stop());
    smtp = await startSmtpService({
      config,
      logger,
      users: ops.repos.smtpUsers,
      accounts: ops.repos.accounts,
      limits: ops.repos.sendingLimits,
      restrictions: ops.repos,
      spool,
      metrics,
      ...(identity.count > 1 ? { clientGuard: new RemoteClientGuard() } : {}),
      // Only `verified` checks anything; `any` keeps the SMTP path as it was (no header gate).
      ...(config.senderPolicy === 'verified' ? { senderPolicy: senderDomains.policy } : {}),
    });
    stops.push(() => smtp.close());
    // Edits on this node drop cached logins at once; other nodes notice the changed hash at next login.
    ops.onSmtpUserChanged.push((usernameLower) => smtp.forgetUser(usernameLower));
    // Late bounces and complaints (SPEC §6); closed before the event recorder and the spool it writes to.
    inbound = await startInbound({
      config,
      logger,
      verpKey: senderDomains.verpKey,
      repos: ops.repos,
      spool,
      events,
      moreHosts: [verifiedReturnPathHosts(ops.repos)],
    });
    stops.push(() => inbound.close());

    const queues = nodeQueues(spool.queue, { dataDir: config.dataDir, ...identity }, logger);
    stops.push(() => queues.close());
    api = await buildApi({
      ops,
      spool,
      queues,
      trackingSecret,
      config,
      logger,
      metrics,
      // Embedded SQLite counts API requests in memory: the workers share their supervisor's count.
      ...(identity.count > 1 && store.dialect === 'sqlite'
        ? { requestCounter: new RemoteRequestCounter() }
        : {}),
    });
    stops.push(() => api.close());
    await api.listen({ host: config.httpListen.host, port: config.httpListen.port });
    const address = api.server.address();
    const port = typeof address === 'object' && address ? address.port : config.httpListen.port;
    const host = config.httpListen.host.includes(':')
      ? `[${config.httpListen.host}]`
      : config.httpListen.host;
    httpUrl = `http://${host}:${port}`;

    // Webhook calls go out from the outbox on their own schedule, apart from the mail flow (SPEC §7).
    const webhooks = await startWebhooks(config, ops.repos, metrics.registry, logger);
    stops.push(() => webhooks.close());

    if (config.deliveryConcurrency > 0) {
      const pacer = createPacer(config.destinationRules, spoolDir, metrics, identity.count);
      const delivery = createOutboundDelivery(config, {
        logger,
        pacer,
        resolver: { mxPort: config.mxPort },
        mtaSts: {
          counters: {
            fetch: (result) => metrics.mtaStsPolicyFetches.inc({ result }),
            deferral: (reason) => metrics.mtaStsDeferrals.inc({ reason }),
            testingFailure: (reason) => metrics.mtaStsTestingFailures.inc({ reason }),
          },
        },
        connectTimeoutMs: config.outboundConnectTimeoutSeconds * 1000,
        greetingTimeoutMs: config.outboundGreetingTimeoutSeconds * 1000,
        socketTimeoutMs: config.outboundSocketTimeoutSeconds * 1000,
        warmup: new WarmupTracker(spool.ledger, logger, Date.now, identity.count),
      });
      const started = new DeliveryWorker(
        {
          queue: spool.queue,
          spool,
          delivery,
          suppressions: ops.repos.suppressions,
          events,
          retryPolicy,
          trackingSecret,
          publicUrl: config.publicUrl,
          hostname: config.hostname,
          logger,
          metrics,
          outgoing: senderDomains.outgoing,
          archive: (message, openBody, subject, recipients) =>
            archiver.archive(message, openBody, subject, recipients),
          releaseScheduled: (scheduleId) => ops.repos.scheduledEmails.release(scheduleId),
        },
        {
          // The setting is the node's: each worker takes its share (docs/workers.md).
          concurrency: workerShare(config.deliveryConcurrency, identity.count),
          pollMs: config.deliveryPollSeconds * 1000,
        },
      );
      worker = started;
      spool.onAccepted(() => started.wake());
      started.start();
      const notices = startDelayNotices(
        { ledger: spool.ledger, queue: spool.queue, spool, events, hostname: config.hostname, logger },
        { afterMs: config.delayNoticeAfterSeconds * 1000, retryMaxAgeMs: retryPolicy.maxAgeMs },
      );
      stops.push(() => notices.stop());
      // Stopped first on close: deliveries in progress finish (or are released) while the spool is open.
      stops.push(() => started.close());
    } else {
      logger.warn('delivery is off on this node (PETREL_DELIVERY_CONCURRENCY=0): mail stays queued');
    }
    const heartbeat = new NodeHeartbeat({
      nodeId: nodeIdOf(config, identity),
      pid: identity.count > 1 ? process.ppid : process.pid,
      version: PETREL_VERSION,
      repo: ops.repos.nodeHeartbeats,
      sampler: new DeliveryRateSampler(metricsTotals(metrics)),
      logger,
    });
    await heartbeat.start();
    stops.push(() => heartbeat.stop());
  } catch (err) {
    await stopAll();
    throw err;
  }
  logger.info({ url: httpUrl, database: store.dialect }, 'HTTP API listening');

  let closed = false;
  return {
    config,
    store,
    ops,
    metrics,
    api,
    httpUrl,
    spool,
    trackingSecret,
    smtp,
    inbound,
    worker,
    events,
    archiver,
    senderDomains,
    async close() {
      if (closed) return;
      closed = true;
      // New connections are refused at once while open SMTP sessions finish (bounded by the grace
      // period) and the worker winds down; then the rest stops in order, so no message is accepted once
      // the spool closes and the events of the last messages are written (SPEC §4.1, SIGTERM).
      await Promise.all([smtp.close(), inbound.close(), worker?.close()]);
      await stopAll();
    },
  };
}
