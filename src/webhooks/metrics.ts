// The webhook series of /metrics, registered into the node's one registry.
import { Counter, Histogram, type Registry } from 'prom-client';

export function createWebhookMetrics(registry: Registry) {
  return {
    attempts: new Counter({
      name: 'petrel_webhook_attempts_total',
      help: 'Webhook call attempts by result: success (2xx), failure (other status or no answer), refused (destination not allowed)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    delivered: new Counter({
      name: 'petrel_webhook_calls_delivered_total',
      help: 'Webhook calls answered with a 2xx',
      registers: [registry],
    }),
    givenUp: new Counter({
      name: 'petrel_webhook_calls_given_up_total',
      help: 'Webhook calls given up after the last retry (48 hours by default)',
      registers: [registry],
    }),
    seconds: new Histogram({
      name: 'petrel_webhook_attempt_seconds',
      help: 'One webhook call attempt, from connect to the end of the (capped) answer',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>;
