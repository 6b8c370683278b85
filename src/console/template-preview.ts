// POST /console/api/template/preview: renders the template being edited in the console with sample data,
// through the same Handlebars code as email/send. A console route, not /v3: SMTP2GO has no such endpoint.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TemplatePreviewBody } from '../domain/schemas/templates.js';
import { success } from '../api/envelope.js';
import type { Caller, OperationsDeps } from '../operations/context.js';
import { previewTemplate } from '../operations/templates.js';

export const TEMPLATE_PREVIEW_URL = '/console/api/template/preview';

/**
 * The name API keys grant it by: a key allowed "/template/*" (or "*") may preview, as it may add and edit
 * templates; the gate authenticates and rate-limits it like any /v3 call.
 */
export const TEMPLATE_PREVIEW_ENDPOINT = '/template/preview';

export function registerTemplatePreview(app: FastifyInstance, ops: OperationsDeps): void {
  app.route({
    method: 'POST',
    url: TEMPLATE_PREVIEW_URL,
    // The parts are capped at 1 MB each by the schema; three of them and the data fit in 4 MiB.
    bodyLimit: 4 * 1024 * 1024,
    config: { endpoint: TEMPLATE_PREVIEW_ENDPOINT },
    // Validated as /v3 bodies are (unknown fields and wrong types name the field); answered in the envelope.
    schema: { hide: true, body: TemplatePreviewBody },
    handler: async (request: FastifyRequest, reply) => {
      const data = await previewTemplate(ops, request.caller as Caller, request.body as TemplatePreviewBody);
      return reply.type('application/json').send(success(request.id, data));
    },
  });
}
