// Request and response schemas of /v3/email/scheduled/search|remove (SPEC §8), with SMTP2GO's names
// (reference paths /email/scheduled/*).
import { Type, type Static } from '@sinclair/typebox';
import { CommonRequestFields } from './common.js';

/** SMTP2GO's default page of scheduled emails, and Petrel's largest. */
export const MAX_SCHEDULED_PAGE = 1000;
/** Emails an account may have waiting at once (SMTP2GO's cap): also the last page there can be. */
export const MAX_HELD_PER_ACCOUNT = 50_000;

const ScheduleId = (description: string) => Type.String({ minLength: 1, maxLength: 100, description });
const Contains = (what: string) =>
  Type.Optional(Type.String({ maxLength: 1000, description: `Part of the ${what} (any case)` }));

export const ScheduledSearchBody = Type.Object({
  ...CommonRequestFields,
  schedule_id: Type.Optional(ScheduleId('Only this scheduled email')),
  search_subject: Contains('subject'),
  search_recipient: Contains('recipients'),
  search_sender: Contains('sender'),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_SCHEDULED_PAGE,
      description: `Results per page (default and most ${MAX_SCHEDULED_PAGE})`,
    }),
  ),
  page: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_HELD_PER_ACCOUNT,
      description: 'Which page, from 1 (default 1)',
    }),
  ),
});
export type ScheduledSearchBody = Static<typeof ScheduledSearchBody>;

export const ScheduledEmail = Type.Object({
  schedule_id: Type.String(),
  schedule: Type.String({ description: 'When it is to go, ISO 8601 UTC: 2025-06-30T23:11:56Z' }),
  sender: Type.String(),
  subject: Type.String(),
  recipients: Type.String({ description: 'The envelope recipients, comma-separated' }),
  client_ip: Type.String({ description: 'The address of the client that scheduled it' }),
});
export type ScheduledEmail = Static<typeof ScheduledEmail>;

export const ScheduledSearchResult = Type.Array(ScheduledEmail, {
  description: 'The emails still waiting for their time, soonest first',
});

export const ScheduledRemoveBody = Type.Object({
  ...CommonRequestFields,
  schedule_id: ScheduleId('The schedule_id email/send, email/mime or email/batch answered'),
});
export type ScheduledRemoveBody = Static<typeof ScheduledRemoveBody>;

export const ScheduledRemoveResult = Type.Object({
  schedule_id: Type.String(),
  removed: Type.Boolean({ description: 'Always true: the email will not be sent' }),
});
export type ScheduledRemoveResult = Static<typeof ScheduledRemoveResult>;
