// The composition root: the only place that wires store, operations, API (and, later, SMTP and
// delivery) together into one running node.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApi } from './api/app.js';
import type { Config } from './config/settings.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createOperationsDeps, type OperationsDeps } from './operations/context.js';
import { openStore, type Store } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';

export interface PetrelNode {
  config: Config;
  store: Store;
  ops: OperationsDeps;
  metrics: Metrics;
  api: FastifyInstance;
  /** The HTTP API's base URL, e.g. http://127.0.0.1:8080 (the real port when configured as 0). */
  httpUrl: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** PostgreSQL schema (tests give each node set its own). */
  pgSchema?: string;
}

export async function startNode(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<PetrelNode> {
  const store = openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, ...options });
  try {
    await migrateToLatest(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  const ops = createOperationsDeps(store, config.ipPools, logger);
  const metrics = createMetrics();
  const api = await buildApi({ ops, config, logger, metrics });
  await api.listen({ host: config.httpListen.host, port: config.httpListen.port });
  const address = api.server.address();
  const port = typeof address === 'object' && address ? address.port : config.httpListen.port;
  const host = config.httpListen.host.includes(':') ? `[${config.httpListen.host}]` : config.httpListen.host;
  const httpUrl = `http://${host}:${port}`;
  logger.info({ url: httpUrl, database: store.dialect }, 'HTTP API listening');

  let closed = false;
  return {
    config,
    store,
    ops,
    metrics,
    api,
    httpUrl,
    async close() {
      if (closed) return;
      closed = true;
      await api.close();
      await store.close();
    },
  };
}
