// /v3/activity/search: the account's events (SPEC §1.7).
import { ActivitySearchBody, ActivitySearchResult } from '../../domain/schemas/activity.js';
import { searchActivity } from '../../operations/activity.js';
import { endpoint } from '../endpoint.js';

export const activityEndpoints = [
  endpoint({
    path: '/activity/search',
    tag: 'Activity',
    summary: 'Search the events of the account (processed, delivered, bounces, opens, clicks…), newest first',
    body: ActivitySearchBody,
    response: ActivitySearchResult,
    handler: (ctx, body) => searchActivity(ctx.deps, ctx.caller, body),
  }),
];
