// /v3/webhook/*: SMTP2GO's add, view, edit, remove (SPEC §7), plus Petrel's calls (the recent calls of
// one webhook) and test (queue a test event), which the console uses.
import { Type } from '@sinclair/typebox';
import {
  AddWebhookBody,
  EditWebhookBody,
  ViewWebhooksBody,
  WebhookCallResult,
  WebhookIdBody,
  WebhookResult,
} from '../../domain/schemas/webhooks.js';
import {
  addWebhook,
  editWebhook,
  removeWebhook,
  secretBoxFor,
  sendTestCall,
  viewWebhooks,
  webhookCalls,
  type WebhookContext,
} from '../../operations/webhooks.js';
import { endpoint, type HandlerContext } from '../endpoint.js';

const TAG = 'Webhooks';

const contextOf = async (ctx: HandlerContext): Promise<WebhookContext> => ({
  deps: ctx.deps,
  box: await secretBoxFor(ctx.config),
  allowPrivate: ctx.config.webhookAllowPrivate,
});

export const webhookEndpoints = [
  endpoint({
    path: '/webhook/add',
    tag: TAG,
    summary: 'Add a webhook; its signing secret appears only in this answer',
    body: AddWebhookBody,
    response: WebhookResult,
    handler: async (ctx, body) => addWebhook(await contextOf(ctx), ctx.caller, body),
  }),
  endpoint({
    path: '/webhook/view',
    tag: TAG,
    summary: "List the account's webhooks, or one by id",
    body: ViewWebhooksBody,
    response: Type.Array(WebhookResult),
    handler: async (ctx, body) => viewWebhooks(await contextOf(ctx), ctx.caller, body),
  }),
  endpoint({
    path: '/webhook/edit',
    tag: TAG,
    summary: 'Edit a webhook by id; fields left out keep their value; rotate_secret: true makes a new secret',
    body: EditWebhookBody,
    response: WebhookResult,
    handler: async (ctx, body) => editWebhook(await contextOf(ctx), ctx.caller, body),
  }),
  endpoint({
    path: '/webhook/remove',
    tag: TAG,
    summary: 'Remove a webhook by id (its queued calls are dropped); answers the removed webhook',
    body: WebhookIdBody,
    response: WebhookResult,
    handler: async (ctx, body) => removeWebhook(await contextOf(ctx), ctx.caller, body),
  }),
  endpoint({
    path: '/webhook/calls',
    tag: TAG,
    summary: "Petrel: a webhook's 50 most recent calls, newest first (status, answer, retries)",
    body: WebhookIdBody,
    response: Type.Array(WebhookCallResult),
    handler: async (ctx, body) => webhookCalls(await contextOf(ctx), ctx.caller, body),
  }),
  endpoint({
    path: '/webhook/test',
    tag: TAG,
    summary: 'Petrel: queue a signed test event for a webhook; answers the queued call',
    body: WebhookIdBody,
    response: WebhookCallResult,
    handler: async (ctx, body) => sendTestCall(await contextOf(ctx), ctx.caller, body),
  }),
];
