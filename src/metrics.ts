// Prometheus metrics of one node. Every series is declared here, once; the parts of the node report
// into them where the event happens, and GET /metrics serves the registry (SPEC §1.7).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What became of a recipient in one delivery attempt (an expired retry counts as bounced). */
export type DeliveryResult = 'delivered' | 'deferred' | 'bounced' | 'suppressed';

/** Latency buckets (seconds) for both histograms: an fsync'd accept is milliseconds, a remote MX seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'petrel_' });
  // Set once the spool is open; read at each scrape, so the gauge is never stale and costs nothing between.
  let queueCounts: (() => Record<string, number>) | null = null;
  // What GET /metrics serves: this process's registry, or, under workers, the sum over all of them.
  let exposition: () => Promise<string> = () => registry.metrics();
  return {
    registry,
    /** The text of GET /metrics. */
    exposition: () => exposition(),
    /** Serves another source at GET /metrics (a worker serves the whole node's, docs/workers.md). */
    exposeFrom(source: () => Promise<string>): void {
      exposition = source;
    },
    apiRequests: new Counter({
      name: 'petrel_api_requests_total',
      help: 'HTTP API requests by endpoint and status code',
      labelNames: ['endpoint', 'status'] as const,
      registers: [registry],
    }),
    smtpAccepted: new Counter({
      name: 'petrel_smtp_messages_accepted_total',
      help: 'Messages accepted over SMTP (250 after the spool stored them durably)',
      registers: [registry],
    }),
    smtpRejected: new Counter({
      name: 'petrel_smtp_recipients_rejected_total',
      help: 'Recipients refused by policy, by reason (a refusal at MAIL FROM counts once)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    smtpAuthFailures: new Counter({
      name: 'petrel_smtp_auth_failures_total',
      help: 'SMTP AUTH attempts refused for wrong credentials',
      registers: [registry],
    }),
    smtpAcceptSeconds: new Histogram({
      name: 'petrel_smtp_accept_seconds',
      help: 'From the end of DATA to the 250 reply (the durable store)',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    deliveryRecipients: new Counter({
      name: 'petrel_delivery_recipients_total',
      help: 'Recipients by the result of their delivery attempt',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    deliveryAttemptSeconds: new Histogram({
      name: 'petrel_delivery_attempt_seconds',
      help: 'One delivery attempt (one message to one domain), from MX lookup to the last reply',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    mtaStsPolicyFetches: new Counter({
      name: 'petrel_mta_sts_policy_fetches_total',
      help: 'MTA-STS policies fetched over HTTPS, by result (ok, failed)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    mtaStsDeferrals: new Counter({
      name: 'petrel_mta_sts_deferrals_total',
      help: 'Deliveries held back by an enforced MTA-STS policy, by reason (mx_mismatch, tls)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    mtaStsTestingFailures: new Counter({
      name: 'petrel_mta_sts_testing_failures_total',
      help: 'MTA-STS failures under a testing policy (delivered anyway), by reason (mx_mismatch, tls)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    queueRecipients: new Gauge({
      name: 'petrel_queue_recipients',
      help: "Recipients in this node's local queue, by state",
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        if (!queueCounts) return;
        for (const [state, n] of Object.entries(queueCounts())) this.set({ state }, n);
      },
    }),
    destinationSlowdown: new Gauge({
      name: 'petrel_destination_slowdown_factor',
      help: 'Share of its normal rate a throttled destination may take now (absent: not slowed)',
      labelNames: ['destination'] as const,
      registers: [registry],
      // Summed over workers a share would exceed 1; the slowest worker's share is the honest one.
      aggregator: 'min',
    }),
    /** Makes petrel_queue_recipients read these counts at every scrape. */
    watchQueue(counts: () => Record<string, number>): void {
      queueCounts = counts;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
