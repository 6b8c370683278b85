// Serves the web console at /console/ (and redirects / there): static browser files under a strict
// Content-Security-Policy. The console signs in with an API key and calls the same /v3 API as anyone.
import { EVENT_NAMES } from '../domain/schemas/activity.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_FOOTER } from '../transform/footer.js';
import { consoleFile, findConsoleAssets, loadConsoleFiles, type ConsoleFile } from './static-files.js';

/**
 * No inline script or style and nothing from another origin. A message's HTML is shown in an
 * `<iframe sandbox srcdoc>`, which inherits this policy on top of its own stricter one.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "frame-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  // Revalidated on every load (cheap: ETag), so a node upgrade never mixes old and new modules.
  'cache-control': 'no-cache',
};

/**
 * Generated rather than copied, so the footer preview shows exactly the built-in footer Petrel sends
 * and the activity filters offer exactly the events Petrel records.
 */
function defaultsModule(): ConsoleFile {
  return consoleFile(
    `export const DEFAULT_FOOTER = ${JSON.stringify(DEFAULT_FOOTER)};\n` +
      `export const EVENT_NAMES = ${JSON.stringify(EVENT_NAMES)};\n`,
    'defaults.js',
  );
}

function sendFile(request: FastifyRequest, reply: FastifyReply, file: ConsoleFile): FastifyReply {
  void reply.headers(SECURITY_HEADERS).header('etag', file.etag);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.type(file.contentType).send(file.body);
}

export async function consolePlugin(app: FastifyInstance): Promise<void> {
  const dir = findConsoleAssets();
  const files = dir === null ? null : await loadConsoleFiles(dir);
  if (files === null) {
    // A packaging mistake should cost the console, not the relay: SMTP and the API keep running.
    app.log.error('the web console is unavailable: its files (src/console/assets) were not found');
  } else {
    files.set('defaults.js', defaultsModule());
  }

  // Relative, so that the console also works behind a reverse proxy that adds a path prefix.
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('console/', 302));
  app.get('/console', { schema: { hide: true } }, (_request, reply) => reply.redirect('console/', 302));
  app.get('/console/*', { schema: { hide: true } }, (request, reply) => {
    if (files === null) {
      return reply.code(503).type('text/plain; charset=utf-8').send('The web console is not installed.\n');
    }
    const name = (request.params as { '*': string })['*'] || 'index.html';
    const file = files.get(name);
    if (file === undefined) {
      return reply.code(404).headers(SECURITY_HEADERS).type('text/plain; charset=utf-8').send('Not found\n');
    }
    return sendFile(request, reply, file);
  });
}
