// /v3/email/batch: up to 100 email/send requests in one call (SPEC §8).
import { SendBatchBody, SendBatchResult } from '../../domain/schemas/email-batch.js';
import { sendBatch } from '../../operations/send-batch.js';
import { endpoint } from '../endpoint.js';
import { SEND_BODY_LIMIT } from './email.js';

export const emailBatchEndpoints = [
  endpoint({
    path: '/email/batch',
    tag: 'Email',
    summary:
      'Send up to 100 emails (each an email/send body); one answer per email, in order, each accepted or refused on its own',
    body: SendBatchBody,
    response: SendBatchResult,
    bodyLimit: SEND_BODY_LIMIT,
    handler: (ctx, body) =>
      sendBatch(
        {
          deps: ctx.deps,
          spool: ctx.spool,
          caller: ctx.caller,
          client: ctx.client,
          maxMessageBytes: ctx.config.smtpMaxMessageBytes,
          node: ctx.config.hostname,
        },
        body,
      ),
  }),
];
