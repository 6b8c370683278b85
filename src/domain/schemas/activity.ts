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
  // Petrel's own (SPEC §9): an audit copy delivered or given up on, and a DSN Petrel sent about the
  // message (reason "failed" or "delayed"). No webhook event maps to them.
  'audit-delivered',
  'audit-bounced',
  'dsn-sent',
  'opened',
  'clicked',
  'spam',
  'unsubscribed',
  'resubscribed',
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

const SearchText = (description: string) => Type.Optional(Type.String({ maxLength: 998, description }));
const Flag = (description: string) => Type.Optional(Type.Boolean({ description }));

/** SMTP2GO's request (reference path /activity/search), with Petrel's earlier names kept as aliases. */
export const ActivitySearchBody = Type.Object({
  ...CommonRequestFields,
  start_date: DateField('Only events at or after this time'),
  end_date: DateField('Only events at or before this time (a plain date includes that whole day)'),
  search: SearchText(
    "Events of emails containing this text in any search field (email id, subject, sender, from, recipient, username); alternatives separated by '|'",
  ),
  search_email_id: Type.Optional(
    Type.String({ maxLength: 64, description: 'Only the events of this email' }),
  ),
  search_subject: SearchText('Only emails whose subject contains this text, any case'),
  search_sender: SenderFilterField,
  search_recipient: RecipientFilterField,
  search_usernames: Type.Optional(
    Type.Array(Type.String({ maxLength: 254 }), {
      maxItems: 100,
      description: 'Only emails sent by these SMTP usernames (or API key ids), any case',
    }),
  ),
  subaccounts: Type.Optional(
    Type.Array(Type.String({ maxLength: 64 }), {
      maxItems: 100,
      description: 'Only the events of these subaccounts (ids as /subaccounts/search gives them)',
    }),
  ),
  limit: SearchLimitField,
  continue_token: ContinueTokenField,
  only_latest: Flag('Only the most recent event of each email'),
  only_latest_by_sent: Flag(
    'Only the most recent event of each email, ordered by when the email was sent (overrides only_latest)',
  ),
  event_types: Type.Optional(
    Type.Array(StringEnum([...EVENT_NAMES]), {
      maxItems: 20,
      description: `Only these events: ${EVENT_NAMES.join(', ')}`,
    }),
  ),
  include_headers: Flag('Answer the header block of each email in `headers`'),
  custom_headers: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
      maxItems: 50,
      description: 'Header names whose values to answer in `custom_headers`',
    }),
  ),
  region: Type.Optional(
    Type.String({ maxLength: 10, description: 'Accepted for compatibility; one region' }),
  ),
  username: Type.Optional(
    Type.String({
      maxLength: 254,
      description: 'Alias (Petrel before SMTP2GO parity): one of search_usernames',
    }),
  ),
  email_id: Type.Optional(Type.String({ maxLength: 64, description: 'Alias of search_email_id' })),
});
export type ActivitySearchBody = Static<typeof ActivitySearchBody>;

const Text = (description: string) => Type.String({ description });
const Applies = (description: string) => Type.Optional(Type.String({ description }));

export const ActivityEvent = Type.Object({
  event: StringEnum([...EVENT_NAMES]),
  date: Text('RFC 3339, UTC'),
  email_id: Type.String(),
  username: Text('The SMTP username, or the API key id for mail sent by API'),
  subaccount_name: Text('The name of the account the email was sent from'),
  sender: Text('The envelope sender'),
  sender_full: Text("The From header, with the name part when there is one; '' when unknown"),
  from: Text("The address in the From header; '' when unknown"),
  recipient: Type.String(),
  recipients: Type.Array(Type.String(), { description: 'The envelope recipients of the email' }),
  to: Text("The To header; '' when none"),
  cc: Text("The Cc header; '' when none"),
  bcc: Text("The Bcc header; '' when none"),
  reply_to: Text("The Reply-To header; '' when none"),
  subject: Type.String(),
  smtp_response: Text("The receiving server's reply (delivered, bounced); '' otherwise"),
  reason: Text("Why (rejected: sandbox, unsubscribed, suppressed, ratelimit…); '' otherwise"),
  host: Text("The server delivered to (delivered, bounced); '' otherwise"),
  error: Text("An error met on the way; '' when none"),
  email_client: Type.Object(
    {},
    { additionalProperties: true, description: 'user_agent and ip (opened, clicked)' },
  ),
  metadata: Type.Object({}, { additionalProperties: true, description: 'url (clicked)' }),
  outbound_ip: Text("The local address mail left from; '' when unknown"),
  byte_size: Type.Integer({ description: 'Bytes of the email as accepted (0 when unknown)' }),
  headers: Text("The header block of the email when include_headers is true; '' otherwise"),
  custom_headers: Type.Record(Type.String(), Type.String(), {
    description: 'The values of the headers named in the request (custom_headers)',
  }),
  url: Applies('The link followed (clicked)'),
  user_agent: Applies('The User-Agent of the client (opened, clicked, unsubscribed)'),
  ip: Applies('The address of the client (opened, clicked, unsubscribed)'),
});
export type ActivityEvent = Static<typeof ActivityEvent>;

export const ActivitySearchResult = Type.Object({
  events: Type.Array(ActivityEvent, { description: 'Newest first' }),
  total_events: Type.Integer({ description: 'How many events match, over all pages' }),
  continue_token: Nullable(Type.String({ description: 'Set when more pages remain' })),
});
export type ActivitySearchResult = Static<typeof ActivitySearchResult>;
