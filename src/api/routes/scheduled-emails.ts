// /v3/email/scheduled/search|remove: the emails sent with `schedule` that still wait (SPEC §8).
import {
  ScheduledRemoveBody,
  ScheduledRemoveResult,
  ScheduledSearchBody,
  ScheduledSearchResult,
} from '../../domain/schemas/scheduled-emails.js';
import { removeScheduled, searchScheduled } from '../../operations/scheduled-emails.js';
import { endpoint } from '../endpoint.js';

const TAG = 'Email';

export const scheduledEmailEndpoints = [
  endpoint({
    path: '/email/scheduled/search',
    tag: TAG,
    summary:
      'The emails sent with schedule that still wait for their time, on every node; by schedule_id, ' +
      'or by part of the subject, recipients or sender',
    body: ScheduledSearchBody,
    response: ScheduledSearchResult,
    handler: (ctx, body) => searchScheduled(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/email/scheduled/remove',
    tag: TAG,
    summary: 'Remove a scheduled email before its time (from any node): it will not be sent',
    body: ScheduledRemoveBody,
    response: ScheduledRemoveResult,
    handler: (ctx, body) => removeScheduled(ctx.deps, ctx.caller, body),
  }),
];
