// /v3/email/send and /v3/email/mime (SPEC §1.7): sending through the API, in SMTP2GO's request shapes,
// with the calling key's settings and the same durable intake as SMTP. Bodies may be up to 30 MiB.
import { SendEmailBody, SendMimeBody, SendResult } from '../../domain/schemas/email.js';
import { sendEmail, sendMime, type SendContext } from '../../operations/send-email.js';
import { endpoint, type HandlerContext } from '../endpoint.js';

const TAG = 'Email';

/** SPEC §1.10: 30 MiB for the send endpoints (attachments travel base64-encoded in the JSON). */
export const SEND_BODY_LIMIT = 30 * 1024 * 1024;

const sendContext = (ctx: HandlerContext): SendContext => ({
  deps: ctx.deps,
  spool: ctx.spool,
  caller: ctx.caller,
  client: ctx.client,
  maxMessageBytes: ctx.config.smtpMaxMessageBytes,
  node: ctx.config.hostname,
});

export const emailEndpoints = [
  endpoint({
    path: '/email/send',
    tag: TAG,
    summary:
      'Send an email built from its parts (sender, to, cc, bcc, subject, text_body, html_body, ' +
      'custom_headers, attachments, inlines); recipients over a limit are listed in failures',
    body: SendEmailBody,
    response: SendResult,
    bodyLimit: SEND_BODY_LIMIT,
    handler: (ctx, body) => sendEmail(sendContext(ctx), body),
  }),
  endpoint({
    path: '/email/mime',
    tag: TAG,
    summary:
      'Send a complete message (mime_email, base64-encoded); sender and recipients come from its headers',
    body: SendMimeBody,
    response: SendResult,
    bodyLimit: SEND_BODY_LIMIT,
    handler: (ctx, body) => sendMime(sendContext(ctx), body),
  }),
];
