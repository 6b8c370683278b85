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

/** SMTP2GO's answer (reference path /archive/email), besides `headers`. */
const ArchiveEmailFields = {
  attachment_count: Type.Integer(),
  attachments: Type.Array(
    Type.Object({
      filename: Type.String(),
      mimetype: Type.String(),
      size: Type.Integer({ description: 'Bytes' }),
    }),
  ),
  byte_count: Type.Integer({ description: 'Bytes of the message as stored' }),
  envelope_from: Type.String({ description: 'The envelope sender' }),
  recipient: Type.String({ description: 'The envelope recipients, comma-separated' }),
  sender: Type.String({ description: 'The address in the From header' }),
  sent: Type.String({ description: 'ISO 8601, when the message was accepted' }),
  subject: Type.String(),
  to: Type.String({ description: 'The To header' }),
  url: Type.String({ description: "'' (Petrel serves the message in this answer, not at a download link)" }),
  username: Type.String(),
  events: Type.Array(ActivityEvent, { description: "The message's events, oldest first" }),
};

/** /archive/view (Petrel's earlier path, an alias): headers as a list. */
export const ArchiveView = Type.Object({ ...StoredMessageFields, ...ArchiveEmailFields });

/** /archive/email: SMTP2GO's answer, headers as the header block, plus the bodies and the events. */
export const ArchiveEmail = Type.Object({
  ...StoredMessageFields,
  ...ArchiveEmailFields,
  headers: Type.String({ description: 'The header fields, one per line (unfolded, decoded)' }),
});
export type ArchiveEmail = Static<typeof ArchiveEmail>;
export type ArchiveView = Static<typeof ArchiveView>;
