// GET /v3/message/raw/<token>: streams a whole held (sandbox) or archived message, for the signed link
// that sandbox/view and archive/view hand out with their first 1 MiB (SPEC §10). The body is piped from
// disk, never held in memory; an altered, expired or foreign link answers 404 like a missing message.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import { openArchivedBody } from '../archive/archive-files.js';
import { DOWNLOAD_PATH, type DownloadLinks, type DownloadTarget } from '../archive/download-links.js';
import type { OperationsDeps } from '../operations/context.js';
import { isMessageId } from '../spool/index.js';
import type { NodeQueues } from '../spool/node-queues.js';

export interface DownloadRouteOptions {
  links: DownloadLinks;
  ops: OperationsDeps;
  /** Every spool queue of the node: a held message sits in the shard of the worker that took it. */
  queues: NodeQueues;
  dataDir: string;
  hostname: string;
}

/** The stored body the target names, if it is still here and still the account's; else null. */
async function openTarget(options: DownloadRouteOptions, target: DownloadTarget): Promise<Readable | null> {
  if (!isMessageId(target.emailId)) return null;
  if (target.kind === 'sandbox') {
    const found = await options.queues.find(target.emailId);
    if (!found?.message.sandbox || found.message.accountId !== target.accountId) return null;
    return found.queue.openBody(found.message.id);
  }
  const found = await options.ops.repos.archive.find(target.accountId, target.emailId);
  if (!found || found.node !== options.hostname) return null;
  return openArchivedBody(options.dataDir, found.emailId);
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).type('text/plain; charset=utf-8').send('No such message, or the link has expired\n');
}

export function registerMessageDownload(app: FastifyInstance, options: DownloadRouteOptions): void {
  app.get(`${DOWNLOAD_PATH}:token`, { schema: { hide: true } }, async (request, reply) => {
    const target = options.links.verify((request.params as { token: string }).token);
    if (target === null) return notFound(reply);
    const body = await openTarget(options, target);
    if (body === null) return notFound(reply);
    // Purged by the retention between the lookup and the first read: the answer is cut off (rare, and
    // the client sees an incomplete transfer rather than a wrong one).
    return reply
      .type('message/rfc822')
      .header('content-disposition', `attachment; filename="${target.emailId}.eml"`)
      .header('cache-control', 'no-store')
      .send(body);
  });
}
