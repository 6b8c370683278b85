// Builds the HTTP API: the SMTP2GO envelope, key authentication, request limits, schema validation,
// the OpenAPI document, and the endpoints of every group under /v3.
import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import swagger from '@fastify/swagger';
import { Type, type TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Config } from '../config/settings.js';
import { downloadLinks, type DownloadLinks } from '../archive/download-links.js';
import { consolePlugin } from '../console/plugin.js';
import { registerTemplatePreview } from '../console/template-preview.js';
import {
  PetrelError,
  ValidationError,
  endpointNotFound,
  internalError,
  payloadTooLarge,
} from '../domain/errors.js';
import { ErrorEnvelope, Envelope } from '../domain/schemas/common.js';
import type { SendingSettings } from '../domain/sending-settings.js';
import { validateBody } from '../domain/validate.js';
import type { Metrics } from '../metrics.js';
import type { DurableSpool } from '../spool/index.js';
import type { NodeQueues } from '../spool/node-queues.js';
import type { BucketCounter } from './batched-counter.js';
import type { Caller, OperationsDeps } from '../operations/context.js';
import { tokensEqual } from '../security/constant-time.js';
import { trackingRoutes } from '../tracking/routes.js';
import { verifyRoutes } from '../sender-domains/verify-routes.js';
import type { EndpointDef } from './endpoint.js';
import { failure, success } from './envelope.js';
import { registerGate } from './gate.js';
import { registerMessageDownload } from './message-download.js';
import { ALL_ENDPOINTS } from './routes/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The endpoint name API keys use ("/users/smtp/add"); absent on routes that need no key. */
    endpoint?: string;
  }
  interface FastifyRequest {
    caller?: Caller;
    keyPrefix?: string;
    keyEndpoints?: readonly string[];
    keySettings?: SendingSettings;
  }
}

export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

export interface ApiDeps {
  ops: OperationsDeps;
  /** This process's spool: email/send writes to it. */
  spool: DurableSpool;
  /** Every spool queue of the node, which sandbox/search and sandbox/view read. */
  queues: NodeQueues;
  /** Per-key request counting other than the dialect's own (a worker on SQLite asks its supervisor). */
  requestCounter?: BucketCounter;
  /** HMAC key of tracking and unsubscribe links. */
  trackingSecret: Buffer;
  config: Config;
  logger: Logger;
  metrics: Metrics;
}

// JSON is UTF-8 (RFC 8259 §8.1): invalid bytes are refused rather than silently turned into U+FFFD.
// A leading byte-order mark is dropped by the decoder, as RFC 8259 allows.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJsonBody(
  _req: FastifyRequest,
  raw: Buffer,
  done: (err: Error | null, value?: unknown) => void,
): void {
  let body: string;
  try {
    body = utf8.decode(raw);
  } catch {
    return done(new ValidationError('body', 'The request body is not valid UTF-8'));
  }
  if (body.trim() === '') return done(null, {});
  try {
    done(null, JSON.parse(body));
  } catch (err) {
    const detail = err instanceof Error ? err.message : 'parse error';
    done(new ValidationError('body', `The request body is not valid JSON: ${detail}`));
  }
}

/** Maps anything thrown while serving a request to the catalogue's error, logging the unexpected. */
function toPetrelError(err: FastifyError | Error, request: FastifyRequest, logger: Logger): PetrelError {
  if (err instanceof PetrelError) return err;
  const e = err as FastifyError;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413) {
    return payloadTooLarge(request.routeOptions.bodyLimit ?? DEFAULT_BODY_LIMIT);
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    return new ValidationError('body', `The request could not be read: ${e.message}`);
  }
  logger.error(
    { err, requestId: request.id, url: request.url },
    'unexpected error while serving an API request',
  );
  return internalError();
}

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    // The cast widens pino's Logger to the instance's logger type, so the app is a plain FastifyInstance.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Fastify's two lines per request are replaced by one access line in onResponse below.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: DEFAULT_BODY_LIMIT,
    trustProxy: false,
    // SPEC §10: a client may not hold a request open (Node answers 408 and closes). Headers must not
    // outlast the whole request, which Node refuses; connections are checked every second.
    requestTimeout: deps.config.httpRequestTimeoutSeconds * 1000,
    http: {
      headersTimeout:
        Math.min(deps.config.httpHeadersTimeoutSeconds, deps.config.httpRequestTimeoutSeconds) * 1000,
      requestTimeout: deps.config.httpRequestTimeoutSeconds * 1000,
      connectionsCheckingInterval: 1000,
    },
  });

  // SMTP2GO clients send JSON, sometimes with no or a wrong content type: every body is read as JSON.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!request.headers['content-type']) request.headers['content-type'] = 'application/json';
    done();
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, parseJsonBody);

  // One validator for API and CLI: requests are checked by validateBody, whose errors name the field.
  app.setValidatorCompiler(({ schema }) => (data: unknown) => {
    try {
      return { value: validateBody(schema as TSchema, data) };
    } catch (err) {
      return { error: err as Error };
    }
  });
  // Response schemas document the API; answers are written as they are, never reshaped by a serializer.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const error = toPetrelError(err, request, deps.logger);
    if (error.kind === 'rateLimited') void reply.header('retry-after', String(request.retryAfter ?? 60));
    return reply.code(error.httpStatus).type('application/json').send(failure(request.id, error));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/json')
      .send(failure(request.id, endpointNotFound(request.method, request.url.split('?')[0] ?? ''))),
  );

  // Key checks, the keyless body cap and the shared request limits (SPEC §1.10, §10).
  registerGate(app, {
    ops: deps.ops,
    logger: deps.logger,
    requestsPerMinute: deps.config.apiRequestsPerMinute,
    authFailuresPerMinute: deps.config.apiAuthFailuresPerMinute,
    dialect: deps.config.databaseUrl === null ? 'sqlite' : 'postgres',
    ...(deps.requestCounter ? { requestCounter: deps.requestCounter } : {}),
  });
  app.addHook('onResponse', async (request, reply) => {
    const endpoint = request.routeOptions.config.endpoint ?? 'other';
    deps.metrics.apiRequests.inc({ endpoint, status: String(reply.statusCode) });
    request.log.info(
      {
        method: request.method,
        endpoint,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        key: request.keyPrefix,
      },
      'API request',
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Petrel API',
        version: '3',
        description: 'SMTP2GO v3-compatible API for managing SMTP users, served by Petrel.',
      },
      components: {
        securitySchemes: {
          ApiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Smtp2go-Api-Key' },
          Bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ ApiKeyHeader: [] }, { Bearer: [] }],
    },
  });

  const links = downloadLinks(deps.trackingSecret);
  for (const def of ALL_ENDPOINTS) registerEndpoint(app, def, deps, links);
  registerMessageDownload(app, {
    links,
    ops: deps.ops,
    queues: deps.queues,
    dataDir: deps.config.dataDir,
    hostname: deps.config.hostname,
  });
  await app.register(trackingRoutes, {
    store: deps.ops.repos,
    secret: deps.trackingSecret,
    logger: deps.logger,
  });
  await app.register(verifyRoutes, { repo: deps.ops.repos.senderDomains, logger: deps.logger });

  app.get('/v3/openapi.json', { schema: { hide: true } }, () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => {
    await deps.ops.repos.accounts.findMaster();
    return { status: 'ok' };
  });
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const token = deps.config.metricsToken;
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (token !== null && !tokensEqual(token, presented)) {
      return reply.code(401).type('text/plain').send('metrics need the configured bearer token\n');
    }
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.exposition());
  });
  registerTemplatePreview(app, deps.ops);
  await app.register(consolePlugin);
  return app;
}

declare module 'fastify' {
  interface FastifyRequest {
    retryAfter?: number;
  }
}

function registerEndpoint(app: FastifyInstance, def: EndpointDef, deps: ApiDeps, links: DownloadLinks): void {
  const methods = def.methods ?? ['POST'];
  for (const method of methods) {
    app.route({
      method,
      url: `/v3${def.path}`,
      bodyLimit: def.bodyLimit ?? DEFAULT_BODY_LIMIT,
      config: { endpoint: def.path },
      schema: {
        summary: def.summary,
        tags: [def.tag],
        body: def.body,
        response: {
          200: Envelope(def.response ?? Type.Object({})),
          '4XX': ErrorEnvelope,
          '5XX': ErrorEnvelope,
        },
      },
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const data = await def.handler(
          {
            caller: request.caller as Caller,
            deps: deps.ops,
            spool: deps.spool,
            queues: deps.queues,
            config: deps.config,
            method,
            keyEndpoints: request.keyEndpoints ?? [],
            keySettings: request.keySettings ?? null,
            downloadLinks: links,
            allEndpoints: ALL_ENDPOINTS.map((e) => e.path),
            client: { address: request.ip, tls: request.protocol === 'https' },
          },
          request.body,
        );
        return reply.type('application/json').send(success(request.id, data));
      },
    });
  }
}
