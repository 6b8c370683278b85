// The public tracking routes (SPEC §3.5) under /t/, served by the HTTP listener with no API key: the open
// pixel, the click redirect and the unsubscribe page. Only a token signed by Petrel for that kind of link
// is honoured; anything else is a plain 404 that tells nothing.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { clientOf, recordHit, unsubscribe, type TrackingStore } from './hits.js';
import {
  NO_CACHE_HEADERS,
  PAGE_HEADERS,
  TRANSPARENT_GIF,
  confirmUnsubscribePage,
  unsubscribedPage,
} from './pages.js';
import {
  normalizedUrl,
  verifyToken,
  type TrackingKind,
  type TrackingPayload,
  type TrackingSecret,
} from './tokens.js';
import { TRACKING_PATHS } from './tracking-urls.js';

export interface TrackingRoutesOptions {
  store: TrackingStore;
  secret: TrackingSecret | TrackingSecret[];
  logger: Logger;
}

// A one-click POST carries `List-Unsubscribe=One-Click` (RFC 8058); a form, a little more. Never more.
const POST_BODY_LIMIT = 16 * 1024;

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).headers(NO_CACHE_HEADERS).type('text/plain; charset=utf-8').send('Not found\n');
}

function htmlPage(reply: FastifyReply, html: string): FastifyReply {
  return reply.code(200).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
}

/** The verified token of the request's path, or null. Tokens are long: a wildcard has no length cap. */
function tokenOf(request: FastifyRequest, options: TrackingRoutesOptions, kind: TrackingKind) {
  const token = (request.params as { '*'?: string })['*'];
  return verifyToken(options.secret, token, kind);
}

/** Only a real GET counts as a hit: the HEAD Fastify derives from each GET route only looks. */
const isHead = (request: FastifyRequest) => request.method === 'HEAD';

export function trackingRoutes(
  app: FastifyInstance,
  options: TrackingRoutesOptions,
  done: (err?: Error) => void,
): void {
  const { store, logger } = options;

  // This plugin's own context: the API's JSON-only body parsing does not apply to the unsubscribe POST,
  // whose body (form or one-click, any content type) is read and ignored — the token says it all.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: POST_BODY_LIMIT }, (_request, _body, done) =>
    done(null, undefined),
  );
  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    const status =
      err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500)
      logger.error({ err, requestId: request.id, path: request.url.slice(0, 5) }, 'tracking request failed');
    return reply
      .code(status)
      .headers(NO_CACHE_HEADERS)
      .type('text/plain; charset=utf-8')
      .send(status === 500 ? 'Something went wrong; please try again later.\n' : 'Bad request\n');
  });

  /** Opens and clicks are answered even when the event cannot be stored: the reader comes first. */
  const recordQuietly = async (
    request: FastifyRequest,
    token: TrackingPayload,
    event: 'opened' | 'clicked',
  ): Promise<void> => {
    if (isHead(request)) return;
    try {
      await recordHit(store, token, event, clientOf(request.ip, request.headers['user-agent']));
    } catch (err) {
      logger.error({ err, id: token.messageId, event }, 'could not record a tracking event');
    }
  };

  const hide = { schema: { hide: true } };

  app.get(`${TRACKING_PATHS.open}*`, hide, async (request, reply) => {
    const token = tokenOf(request, options, 'open');
    if (token === null) return notFound(reply);
    await recordQuietly(request, token, 'opened');
    return reply.code(200).headers(NO_CACHE_HEADERS).type('image/gif').send(TRANSPARENT_GIF);
  });

  app.get(`${TRACKING_PATHS.click}*`, hide, async (request, reply) => {
    const token = tokenOf(request, options, 'click');
    // The URL comes from inside the signed token only, so the redirect cannot be pointed elsewhere.
    if (token?.url === undefined) return notFound(reply);
    await recordQuietly(request, token, 'clicked');
    // Normalised again for tokens signed before links were normalised at signing.
    return reply.code(302).headers(NO_CACHE_HEADERS).header('location', normalizedUrl(token.url)).send();
  });

  app.get(`${TRACKING_PATHS.unsubscribe}*`, hide, async (request, reply) => {
    const token = tokenOf(request, options, 'unsubscribe');
    if (token === null) return notFound(reply);
    return htmlPage(reply, confirmUnsubscribePage(token.recipient));
  });

  app.post(`${TRACKING_PATHS.unsubscribe}*`, hide, async (request, reply) => {
    const token = tokenOf(request, options, 'unsubscribe');
    if (token === null) return notFound(reply);
    await unsubscribe(store, token, clientOf(request.ip, request.headers['user-agent']));
    logger.info(
      { id: token.messageId, account: token.accountId, user: token.username },
      'recipient unsubscribed',
    );
    return htmlPage(reply, unsubscribedPage(token.recipient));
  });
  done();
}
