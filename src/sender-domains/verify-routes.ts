// The public /v/ pages of single sender verification (SPEC §5), served with no API key: GET shows the
// address and a button (mail scanners follow links with GET), POST confirms. The token is one-time;
// an unknown or used token is a plain 404.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { SenderDomainsRepository } from '../store/repositories/sender-domains.js';
import { NO_CACHE_HEADERS, PAGE_HEADERS, page } from '../tracking/pages.js';
import { escapeHtml } from '../transform/footer.js';
import { tokenHash } from './single-sender-mail.js';

export interface VerifyRoutesOptions {
  repo: Pick<SenderDomainsRepository, 'findSingleSenderByToken' | 'confirmSingleSender'>;
  logger: Logger;
}

const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).headers(NO_CACHE_HEADERS).type('text/plain; charset=utf-8').send('Not found\n');
}

const html = (reply: FastifyReply, body: string) =>
  reply.code(200).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body);

export function verifyRoutes(
  app: FastifyInstance,
  options: VerifyRoutesOptions,
  done: (err?: Error) => void,
): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 16 * 1024 }, (_r, _b, next) =>
    next(null, undefined),
  );

  app.get('/v/:token', { schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    if (!TOKEN.test(token)) return notFound(reply);
    const row = await options.repo.findSingleSenderByToken(tokenHash(token));
    if (!row) return notFound(reply);
    return html(
      reply,
      page(
        'Confirm sender address',
        `<h1>Confirm sender address</h1>
<p>Allow <strong>${escapeHtml(row.email_address)}</strong> to be used as a sender?</p>
<form method="post"><button type="submit">Confirm</button></form>`,
      ),
    );
  });

  app.post('/v/:token', { schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    if (!TOKEN.test(token)) return notFound(reply);
    const hash = tokenHash(token);
    const row = await options.repo.findSingleSenderByToken(hash);
    if (!row || !(await options.repo.confirmSingleSender(hash, new Date().toISOString())))
      return notFound(reply);
    options.logger.info({ account: row.account_id }, 'single sender email verified');
    return html(
      reply,
      page(
        'Sender address confirmed',
        `<h1>Confirmed</h1>\n<p><strong>${escapeHtml(row.email_address)}</strong> is now a verified sender.</p>`,
      ),
    );
  });
  done();
}
