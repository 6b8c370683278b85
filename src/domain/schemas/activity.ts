// Request and response schemas of /v3/activity/search (SPEC §1.7), and the search fields that the sandbox
// and archive searches share with it.
import { Type, type Static } from '@sinclair/typebox';
import { CommonRequestFields, ContinueTokenField, Nullable, StringEnum } from './common.js';

/** Every event Petrel records, in the order a message lives through them. */
export const EVENT_NAMES = [
  'processed',
  'delivered',
  'soft-bounced',
  'hard-bounced',
  'rejected',
  'opened',
  'clicked',
  'unsubscribed',
  'spam',
] as const;

export type EventName = (typeof EVENT_NAMES)[number];

export const DEFAULT_SEARCH_LIMIT = 100;
export const MAX_SEARCH_LIMIT = 1000;

export const DateField = (description: string) =>
  Type.Optional(
    Type.String({
      maxLength: 64,
      description: `${description}: an ISO 8601 date or date-time (2024-05-01, 2024-05-01T12:00:00Z); UTC when no offset is given`,
    }),
  );

export const SearchLimitField = Type.Optional(
  Type.Integer({
    minimum: 1,
    maximum: MAX_SEARCH_LIMIT,
    description: `How many results per page (default ${DEFAULT_SEARCH_LIMIT}, at most ${MAX_SEARCH_LIMIT})`,
  }),
);

export const UsernameFilterField = Type.Optional(
  Type.String({ maxLength: 254, description: 'Only this SMTP username (or API key id), any case' }),
);

export const RecipientFilterField = Type.Optional(
  Type.String({ maxLength: 254, description: 'Only recipients containing this text, any case' }),
);

export const SenderFilterField = Type.Optional(
  Type.String({ maxLength: 254, description: 'Only envelope senders containing this text, any case' }),
);

export const EmailIdField = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'The message id Petrel gave at acceptance (`250 2.0.0 OK id=<id>`)',
});

export const ActivitySearchBody = Type.Object({
  ...CommonRequestFields,
  start_date: DateField('Only events at or after this time'),
  end_date: DateField('Only events at or before this time (a plain date includes that whole day)'),
  username: UsernameFilterField,
  search_recipient: RecipientFilterField,
  search_sender: SenderFilterField,
  email_id: Type.Optional(Type.String({ maxLength: 64, description: 'Only the events of this message' })),
  event_types: Type.Optional(
    Type.Array(StringEnum([...EVENT_NAMES]), {
      maxItems: 20,
      description: `Only these events: ${EVENT_NAMES.join(', ')}`,
    }),
  ),
  limit: SearchLimitField,
  continue_token: ContinueTokenField,
});
export type ActivitySearchBody = Static<typeof ActivitySearchBody>;

const Applies = (description: string) => Type.Optional(Type.String({ description }));

export const ActivityEvent = Type.Object({
  event: StringEnum([...EVENT_NAMES]),
  date: Type.String({ description: 'ISO 8601' }),
  email_id: Type.String(),
  username: Type.String({ description: 'The SMTP username, or the API key id for mail sent by API' }),
  sender: Type.String({ description: 'The envelope sender' }),
  recipient: Type.String(),
  subject: Type.String(),
  reason: Applies('rejected: sandbox, unsubscribed, suppressed or ratelimit'),
  smtp_response: Applies("The receiving server's reply (delivered, bounced)"),
  host: Applies('The server delivered to (delivered, bounced)'),
  url: Applies('The link followed (clicked)'),
  user_agent: Applies('The User-Agent of the client (opened, clicked, unsubscribed)'),
  ip: Applies('The address of the client (opened, clicked, unsubscribed)'),
});
export type ActivityEvent = Static<typeof ActivityEvent>;

export const ActivitySearchResult = Type.Object({
  events: Type.Array(ActivityEvent, { description: 'Newest first' }),
  continue_token: Nullable(Type.String({ description: 'Set when more pages remain' })),
});
export type ActivitySearchResult = Static<typeof ActivitySearchResult>;
