// /v3/stats/*: the account's statistics from rollups kept as events are written (SPEC §8).
import {
  EmailBouncesResult,
  EmailCycleResult,
  EmailHistoryBody,
  EmailHistoryResult,
  EmailSpamResult,
  EmailSummaryResult,
  EmailUnsubsResult,
  StatsBody,
} from '../../domain/schemas/stats.js';
import {
  emailBounces,
  emailCycle,
  emailHistory,
  emailSpam,
  emailSummary,
  emailUnsubs,
} from '../../operations/stats.js';
import { endpoint } from '../endpoint.js';

const TAG = 'Statistics';

export const statsEndpoints = [
  endpoint({
    path: '/stats/email_summary',
    tag: TAG,
    summary: 'This month: emails, bounces, spam, unsubscribes, opens, clicks and rejects, with the cycle',
    body: StatsBody,
    response: EmailSummaryResult,
    handler: (ctx, body) => emailSummary(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/stats/email_cycle',
    tag: TAG,
    summary: 'The monthly cycle: start, end, used, maximum and remaining',
    body: StatsBody,
    response: EmailCycleResult,
    handler: (ctx, body) => emailCycle(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/stats/email_bounces',
    tag: TAG,
    summary: 'Bounces of the last 30 days',
    body: StatsBody,
    response: EmailBouncesResult,
    handler: (ctx, body) => emailBounces(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/stats/email_spam',
    tag: TAG,
    summary: 'Spam complaints of the last 30 days',
    body: StatsBody,
    response: EmailSpamResult,
    handler: (ctx, body) => emailSpam(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/stats/email_unsubs',
    tag: TAG,
    summary: 'Unsubscribes of the last 30 days',
    body: StatsBody,
    response: EmailUnsubsResult,
    handler: (ctx, body) => emailUnsubs(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/stats/email_history',
    tag: TAG,
    summary: 'Counts per sender, subaccount or day over a date range',
    body: EmailHistoryBody,
    response: EmailHistoryResult,
    handler: (ctx, body) => emailHistory(ctx.deps, ctx.caller, body),
  }),
];
