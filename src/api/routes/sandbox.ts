// /v3/sandbox/search and /v3/sandbox/view: messages held for SMTP users in sandbox status (SPEC §1.7).
import {
  MessageViewBody,
  SandboxSearchBody,
  SandboxSearchResult,
  StoredMessageView,
} from '../../domain/schemas/sandbox.js';
import { searchSandbox, viewSandbox } from '../../operations/sandbox.js';
import { endpoint } from '../endpoint.js';

const TAG = 'Sandbox';

export const sandboxEndpoints = [
  endpoint({
    path: '/sandbox/search',
    tag: TAG,
    summary: 'List the sandboxed messages held on this node, newest first',
    body: SandboxSearchBody,
    response: SandboxSearchResult,
    handler: (ctx, body) => searchSandbox(ctx.deps, ctx.caller, ctx.queues, body),
  }),
  endpoint({
    path: '/sandbox/view',
    tag: TAG,
    summary: 'Show one sandboxed message: headers, text and HTML bodies, raw source',
    body: MessageViewBody,
    response: StoredMessageView,
    handler: (ctx, body) => viewSandbox(ctx.deps, ctx.caller, ctx.queues, body, ctx.downloadLinks),
  }),
];
