// Request and response schemas of /v3/stats/* (SPEC §8), with SMTP2GO's names (reference paths /stats/*).
import { Type, type Static } from '@sinclair/typebox';
import { DateField } from './activity.js';
import { CommonRequestFields, StringEnum } from './common.js';

export const StatsBody = Type.Object({
  ...CommonRequestFields,
  username: Type.Optional(
    Type.String({ maxLength: 254, description: 'Only mail of this SMTP username (or API key id)' }),
  ),
});
export type StatsBody = Static<typeof StatsBody>;

const Int = (description?: string) => Type.Integer(description ? { description } : {});
const Percent = Type.String({ description: 'A percentage with two decimals, e.g. "1.25"' });

export const CycleFields = {
  cycle_start: Type.String({ description: 'Start of the calendar month (UTC): 2006-01-02 15:04:05+00:00' }),
  cycle_end: Type.String({ description: 'Its end' }),
  cycle_used: Int('Emails sent this month'),
  cycle_max: Int("The account's monthly limit (0: none)"),
  cycle_remaining: Int('What the limit leaves (0 when there is no limit)'),
};

export const EmailCycleResult = Type.Object(CycleFields);

export const EmailSummaryResult = Type.Object({
  ...CycleFields,
  email_count: Int(),
  hardbounces: Int(),
  softbounces: Int(),
  bounce_rejects: Int('Recipients skipped as suppressed'),
  bounce_percent: Percent,
  spam_emails: Int(),
  spam_rejects: Int(),
  spam_percent: Percent,
  unsubscribes: Int(),
  unsubscribe_percent: Percent,
  opens: Int(),
  clicks: Int(),
  rejects: Int(),
});
export type EmailSummaryResult = Static<typeof EmailSummaryResult>;

export const EmailBouncesResult = Type.Object({
  emails: Int('Emails of the last 30 days'),
  hardbounces: Int(),
  softbounces: Int(),
  rejects: Int(),
  bounce_percent: Percent,
});
export const EmailSpamResult = Type.Object({
  emails: Int(),
  spams: Int(),
  rejects: Int(),
  spam_percent: Percent,
});
export const EmailUnsubsResult = Type.Object({
  emails: Int(),
  unsubscribes: Int(),
  rejects: Int(),
  unsubscribe_percent: Percent,
});

export const HISTORY_GROUPS = ['email_address', 'username', 'domain', 'subaccount', 'day'] as const;

export const EmailHistoryBody = Type.Object({
  ...CommonRequestFields,
  group_by: Type.Optional(
    StringEnum([...HISTORY_GROUPS], {
      description:
        'username (default), subaccount or day (Petrel: one row per UTC day, for charts); email_address and domain group by sender as username does',
    }),
  ),
  start_date: DateField('From (default: 30 days ago, midnight UTC)'),
  end_date: DateField('Until (default: now)'),
  subaccounts: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  username: Type.Optional(
    Type.String({
      maxLength: 254,
      description: 'Petrel: only mail of this SMTP username (or API key id), as the other stats take it',
    }),
  ),
});
export type EmailHistoryBody = Static<typeof EmailHistoryBody>;

export const HistoryRow = Type.Object({
  username: Type.String(),
  email_address: Type.String(),
  subaccount: Type.String(),
  domain: Type.String(),
  day: Type.String({ description: 'YYYY-MM-DD with group_by day; "" otherwise' }),
  used: Int('Emails sent'),
  delivered: Int(),
  bounces: Int(),
  clicks: Int(),
  opens: Int(),
  rejects: Int(),
  spam: Int(),
  unsubscribes: Int(),
  bounce_percent: Percent,
  open_percent: Percent,
  reject_percent: Percent,
  spam_percent: Percent,
  unsubscribe_percent: Percent,
});
export type HistoryRow = Static<typeof HistoryRow>;

export const EmailHistoryResult = Type.Object({
  count: Int(),
  history: Type.Array(HistoryRow),
  bounce_percent_total: Percent,
  open_percent_total: Percent,
  reject_percent_total: Percent,
  spam_percent_total: Percent,
  unsubscribe_percent_total: Percent,
});
export type EmailHistoryResult = Static<typeof EmailHistoryResult>;
