// The API's front door (SPEC §1.10, §10): nothing heavy happens before authentication.
// - A key in a header is checked in onRequest, before a byte of the body is read; an unknown key is
//   answered 401 at once.
// - A request without a header key (its key is in the JSON body, SPEC §1.1) may send at most 64 KiB
//   until that key is checked: a bigger Content-Length is refused 413 before reading, a chunked body is
//   cut off at the 65th KiB.
// - Failed authentications count per client address (IPv6: per /64), successful ones per key, both
//   through the shared database; past either limit the answer is 429 with Retry-After.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import type { Logger } from 'pino';
import { PetrelError, authFailuresLimited, keylessBodyTooLarge, rateLimited } from '../domain/errors.js';
import type { OperationsDeps } from '../operations/context.js';
import { backoffKey } from '../smtp/auth-backoff.js';
import { authenticate, headerKey } from './auth.js';
import { SharedLimiter } from './shared-limiter.js';
import { batchedCounter, directCounter, type BucketCounter } from './batched-counter.js';
import type { DialectName } from '../store/database.js';

/** SPEC §10: the most a request may send before its key (in the body) is checked. */
export const KEYLESS_BODY_LIMIT = 64 * 1024;

export interface GateOptions {
  ops: OperationsDeps;
  logger: Logger;
  /** Requests per API key per minute (SPEC §1.10). */
  requestsPerMinute: number;
  /** Failed authentications per client address per minute (SPEC §10). */
  authFailuresPerMinute: number;
  /** SQLite batches the per-key counts (no commit per request); PostgreSQL counts each at once. */
  dialect: DialectName;
  /** Counts per-key requests instead (a worker asks its supervisor, docs/workers.md). */
  requestCounter?: BucketCounter;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** True once the key has been checked (in onRequest for header keys, else in preValidation). */
    authenticated?: boolean;
  }
}

/** Counts the body as it streams in and fails the request past the limit, without keeping any of it. */
function cappedBody(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) done(keylessBodyTooLarge(limit));
      else done(null, chunk);
    },
  });
}

/** How long a connection refused mid-body keeps reading (and discarding) so its answer is not lost. */
const LINGER_MS = 2000;

/**
 * A request refused before its body was read is answered with `Connection: close`. Closing a socket
 * whose peer is still sending makes TCP reset it, and the reset can destroy the answer before the
 * client reads it. So the socket is half-closed instead (our FIN follows the answer), what the client
 * still sends is read and dropped, and the socket is destroyed when the client closes or after
 * LINGER_MS — a lingering close, as web servers do.
 */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    socket.once('end', () => socket.destroy());
    setTimeout(() => socket.destroy(), LINGER_MS);
  };
}

export function registerGate(app: FastifyInstance, options: GateOptions): void {
  const onPurgeError = (err: unknown) =>
    options.logger.warn({ err }, 'could not purge old API request counters');
  const counts = options.ops.repos.requestCounts;
  const onFlushError = (err: unknown) =>
    options.logger.warn({ err }, 'could not write API request counters (retried)');
  // Authentication failures are rare and must hold exactly across processes: counted at once.
  const counter =
    options.requestCounter ??
    (options.dialect === 'sqlite' ? batchedCounter(counts, onFlushError) : directCounter(counts));
  const perKey = new SharedLimiter(counts, counter, 'key', options.requestsPerMinute, onPurgeError);
  const failures = new SharedLimiter(
    counts,
    directCounter(counts),
    'auth-failure',
    options.authFailuresPerMinute,
    onPurgeError,
  );
  app.addHook('onClose', async () => {
    await counter.close();
  });

  const refuseLimited = (request: FastifyRequest, seconds: number, error: PetrelError): never => {
    request.retryAfter = seconds;
    throw error;
  };

  /** Authenticates (header key, or body key once parsed) and counts the outcome. */
  const admit = async (request: FastifyRequest, endpoint: string): Promise<void> => {
    const address = backoffKey(request.ip);
    let key;
    try {
      key = await authenticate(options.ops, request, endpoint);
    } catch (err) {
      if (err instanceof PetrelError && err.kind === 'apiKeyInvalid') {
        const decision = await failures.take(address);
        if (!decision.allowed) {
          options.logger.warn({ address, endpoint }, 'API authentication failures limit reached');
          refuseLimited(request, decision.retryAfterSeconds, authFailuresLimited(failures.perMinute));
        }
      }
      throw err;
    }
    const decision = await perKey.take(key.id);
    if (!decision.allowed) {
      options.logger.warn({ key: key.keyPrefix, endpoint }, 'API request limit reached');
      refuseLimited(request, decision.retryAfterSeconds, rateLimited(perKey.perMinute));
    }
    request.authenticated = true;
    request.caller = { accountId: key.accountId, keyId: key.id };
    request.keyPrefix = key.keyPrefix;
    request.keyEndpoints = key.endpoints;
    request.keySettings = key.settings;
  };

  app.addHook('onRequest', async (request) => {
    const endpoint = request.routeOptions.config.endpoint;
    if (endpoint === undefined) return;
    // An address past its failure limit is refused from memory, before any lookup.
    const refused = failures.refusedFor(backoffKey(request.ip));
    if (refused > 0) refuseLimited(request, refused, authFailuresLimited(failures.perMinute));
    if (headerKey(request) !== undefined) await admit(request, endpoint);
  });

  app.addHook('onSend', async (request, reply) => {
    if (request.routeOptions.config.endpoint === undefined || request.raw.complete) return;
    void reply.header('connection', 'close');
    lingerOnClose(request.raw.socket);
  });

  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.routeOptions.config.endpoint === undefined || request.authenticated) return payload;
    const declared = Number(request.headers['content-length']);
    if (declared > KEYLESS_BODY_LIMIT) throw keylessBodyTooLarge(KEYLESS_BODY_LIMIT);
    return payload.pipe(cappedBody(KEYLESS_BODY_LIMIT));
  });

  app.addHook('preValidation', async (request) => {
    const endpoint = request.routeOptions.config.endpoint;
    if (endpoint === undefined || request.authenticated) return;
    await admit(request, endpoint);
  });
}
