// Request and response schemas of /v3/archive/search and /v3/archive/view (SPEC §3.2): messages of
// senders with archive_enabled, kept with their events for the configured retention.
import { Type, type Static } from '@sinclair/typebox';
import { CommonRequestFields, ContinueTokenField, Nullable } from './common.js';
import {
  ActivityEvent,
  DateField,
  RecipientFilterField,
  SearchLimitField,
  SenderFilterField,
  UsernameFilterField,
} from './activity.js';
import { StoredMessageFields } from './sandbox.js';

export const ArchiveSearchBody = Type.Object({
  ...CommonRequestFields,
  start_date: DateField('Only messages accepted at or after this time'),
  end_date: DateField('Only messages accepted at or before this time (a plain date includes that whole day)'),
  username: UsernameFilterField,
  search_recipient: RecipientFilterField,
  search_sender: SenderFilterField,
  subject: Type.Optional(
    Type.String({ maxLength: 998, description: 'Only subjects containing this text, any case' }),
  ),
  limit: SearchLimitField,
  continue_token: ContinueTokenField,
});
export type ArchiveSearchBody = Static<typeof ArchiveSearchBody>;

export const ArchivedMessageResult = Type.Object({
  email_id: Type.String(),
  date: Type.String({ description: 'ISO 8601, when the message was accepted' }),
  username: Type.String(),
  sender: Type.String({ description: 'The envelope sender' }),
  recipients: Type.Array(Type.String(), { description: 'The envelope recipients' }),
  subject: Type.String(),
  size: Type.Integer({ description: 'Bytes, as stored' }),
});
export type ArchivedMessageResult = Static<typeof ArchivedMessageResult>;

export const ArchiveSearchResult = Type.Object({
  messages: Type.Array(ArchivedMessageResult, { description: 'Newest first' }),
  continue_token: Nullable(Type.String({ description: 'Set when more pages remain' })),
});
export type ArchiveSearchResult = Static<typeof ArchiveSearchResult>;

export const ArchiveView = Type.Object({
  ...StoredMessageFields,
  events: Type.Array(ActivityEvent, { description: "The message's events, oldest first" }),
});
export type ArchiveView = Static<typeof ArchiveView>;
