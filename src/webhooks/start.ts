// Starts this node's webhook dispatcher (SPEC §7), or none when PETREL_WEBHOOK_CONCURRENCY is 0.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/settings.js';
import { secretBoxFor } from '../operations/webhooks.js';
import type { Repositories } from '../store/repositories/index.js';
import { WebhookDispatcher } from './dispatcher.js';
import { WebhookClient } from './http-call.js';
import { createWebhookMetrics } from './metrics.js';

/** How often an idle dispatcher looks for due calls; events reach the outbox in ~100 ms batches anyway. */
const POLL_MS = 250;

export async function startWebhooks(
  config: Config,
  repos: Repositories,
  registry: Registry,
  logger: Logger,
): Promise<{ dispatcher: WebhookDispatcher | null; close(): Promise<void> }> {
  const metrics = createWebhookMetrics(registry);
  if (config.webhookConcurrency === 0) return { dispatcher: null, close: () => Promise.resolve() };
  const client = new WebhookClient(config.webhookAllowPrivate);
  const dispatcher = new WebhookDispatcher(
    {
      calls: repos.webhookCalls,
      webhooks: repos.webhooks,
      box: await secretBoxFor(config),
      client,
      schedule: config.webhookRetrySchedule,
      metrics,
      logger,
    },
    { concurrency: config.webhookConcurrency, pollMs: POLL_MS },
  );
  dispatcher.start();
  return {
    dispatcher,
    async close() {
      await dispatcher.close();
      await client.close();
    },
  };
}
