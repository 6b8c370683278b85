// /v3/suppression/add|view|remove: the account's suppression list (SPEC §8).
import {
  SuppressionAddBody,
  SuppressionAddResult,
  SuppressionRemoveBody,
  SuppressionRemoveResult,
  SuppressionViewBody,
  SuppressionViewResult,
} from '../../domain/schemas/suppressions.js';
import { addSuppression, removeSuppression, viewSuppressions } from '../../operations/suppressions.js';
import { endpoint } from '../endpoint.js';

const TAG = 'Suppressions';

export const suppressionEndpoints = [
  endpoint({
    path: '/suppression/add',
    tag: TAG,
    summary:
      'Suppress an address or a whole domain: delivery to it is skipped (event rejected, reason suppressed)',
    body: SuppressionAddBody,
    response: SuppressionAddResult,
    handler: (ctx, body) => addSuppression(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/suppression/view',
    tag: TAG,
    summary:
      'List the suppressed addresses and domains (manual, bounce, spam, unsubscribe) with reason and time',
    body: SuppressionViewBody,
    response: SuppressionViewResult,
    handler: (ctx, body) => viewSuppressions(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/suppression/remove',
    tag: TAG,
    summary: 'Remove suppressions of an address or domain, re-opening delivery to it',
    body: SuppressionRemoveBody,
    response: SuppressionRemoveResult,
    handler: (ctx, body) => removeSuppression(ctx.deps, ctx.caller, body),
  }),
];
