// Request and response schemas of /v3/sandbox/search and /v3/sandbox/view (SPEC §1.7): the messages of
// SMTP users in sandbox status, held on the node that accepted them.
import { Type, type Static } from '@sinclair/typebox';
import { CommonRequestFields, ContinueTokenField, Nullable } from './common.js';
import { EmailIdField, RecipientFilterField, SearchLimitField, UsernameFilterField } from './activity.js';

export const SandboxSearchBody = Type.Object({
  ...CommonRequestFields,
  username: UsernameFilterField,
  search_recipient: RecipientFilterField,
  limit: SearchLimitField,
  continue_token: ContinueTokenField,
});
export type SandboxSearchBody = Static<typeof SandboxSearchBody>;

export const SandboxMessage = Type.Object({
  email_id: Type.String(),
  date: Type.String({ description: 'ISO 8601, when the message was accepted' }),
  username: Type.String(),
  sender: Type.String({ description: 'The envelope sender' }),
  recipients: Type.Array(Type.String(), { description: 'The envelope recipients it was held for' }),
  subject: Type.String(),
});
export type SandboxMessage = Static<typeof SandboxMessage>;

export const SandboxSearchResult = Type.Object({
  messages: Type.Array(SandboxMessage, { description: 'Newest first' }),
  continue_token: Nullable(Type.String({ description: 'Set when more pages remain' })),
});
export type SandboxSearchResult = Static<typeof SandboxSearchResult>;

export const MessageViewBody = Type.Object({ ...CommonRequestFields, email_id: EmailIdField });
export type MessageViewBody = Static<typeof MessageViewBody>;

/** A stored message as sandbox/view and archive/view show it. */
export const StoredMessageFields = {
  email_id: Type.String(),
  headers: Type.Array(
    Type.Object({
      name: Type.String({ description: 'As written in the message' }),
      value: Type.String({ description: 'Unfolded, RFC 2047 encoded-words decoded' }),
    }),
    { description: 'Every header field in order, repeats included' },
  ),
  text_body: Type.String({ description: "The text/plain body, decoded; '' when there is none" }),
  html_body: Type.String({ description: "The text/html body, decoded; '' when there is none" }),
  raw: Type.String({
    description:
      'The source as stored (with the Received header Petrel added): UTF-8, or Latin-1 per byte when it is not; at most its first 1 MiB',
  }),
  truncated: Type.Boolean({
    description:
      'True when the message is larger than 1 MiB: headers, bodies and raw come from its first 1 MiB only',
  }),
  size: Type.Integer({ description: 'Size of the whole message in bytes' }),
  download_url: Type.String({
    description:
      "Path, relative to this node's API URL, that streams the whole message (message/rfc822) without an API key; valid for 15 minutes",
  }),
};

export const StoredMessageView = Type.Object(StoredMessageFields);
export type StoredMessageView = Static<typeof StoredMessageView>;
