// Prometheus metrics of one node. Each part registers its own series here; /metrics serves them.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'petrel_' });
  return {
    registry,
    apiRequests: new Counter({
      name: 'petrel_api_requests_total',
      help: 'HTTP API requests by endpoint and status code',
      labelNames: ['endpoint', 'status'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
