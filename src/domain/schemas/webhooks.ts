// Request and response schemas of /v3/webhook/* (SPEC §7), with SMTP2GO's field names; `secret`,
// `rotate_secret`, and the calls/test endpoints are Petrel's additions.
import { Type, type Static } from '@sinclair/typebox';
import { WEBHOOK_EVENTS } from '../../webhooks/event-payload.js';
import { CommonRequestFields, StringEnum } from './common.js';

// Webhook ids are PostgreSQL integers (serial): a larger number can name none.
const WebhookId = Type.Integer({ minimum: 1, maximum: 2147483647, description: 'The ID of the webhook' });

const Fields = {
  url: Type.String({ minLength: 1, maxLength: 2000, description: 'The http or https URL to call' }),
  events: Type.Array(StringEnum([...WEBHOOK_EVENTS]), {
    maxItems: 20,
    description: `Events to send, from ${WEBHOOK_EVENTS.join(', ')}; empty or left out: all of them`,
  }),
  sms_events: Type.Array(Type.String({ maxLength: 50 }), {
    maxItems: 20,
    description: 'Accepted for compatibility; Petrel sends no SMS, so these never fire',
  }),
  headers: Type.Array(Type.String({ minLength: 1, maxLength: 200, pattern: '^[!-9;-~]+$' }), {
    maxItems: 50,
    description: 'Message headers to include in the event data (Subject is always sent as `subject`)',
  }),
  usernames: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
    maxItems: 1000,
    description: 'Only events of these SMTP users (or API key ids); empty or left out: all of them',
  }),
  output_format: StringEnum(['form', 'json'], { description: 'The body format; default form' }),
  auth_header_type: StringEnum(['', 'bearer', 'basic'], {
    description: 'Authorization header sent with each call: bearer, basic, or empty for none',
  }),
  auth_header_value: Type.String({
    maxLength: 2000,
    description: 'The token (bearer) or base64(user:pass) (basic)',
  }),
};

const OptionalFields = {
  events: Type.Optional(Fields.events),
  sms_events: Type.Optional(Fields.sms_events),
  headers: Type.Optional(Fields.headers),
  usernames: Type.Optional(Fields.usernames),
  output_format: Type.Optional(Fields.output_format),
  auth_header_type: Type.Optional(Fields.auth_header_type),
  auth_header_value: Type.Optional(Fields.auth_header_value),
};

export const AddWebhookBody = Type.Object({ ...CommonRequestFields, url: Fields.url, ...OptionalFields });
export type AddWebhookBody = Static<typeof AddWebhookBody>;

export const EditWebhookBody = Type.Object({
  ...CommonRequestFields,
  id: WebhookId,
  url: Type.Optional(Fields.url),
  ...OptionalFields,
  rotate_secret: Type.Optional(
    Type.Boolean({
      description: 'true: replace the signing secret; the new one is in the answer (only there)',
    }),
  ),
});
export type EditWebhookBody = Static<typeof EditWebhookBody>;

export const ViewWebhooksBody = Type.Object({
  ...CommonRequestFields,
  id: Type.Optional(WebhookId),
});
export type ViewWebhooksBody = Static<typeof ViewWebhooksBody>;

export const WebhookIdBody = Type.Object({ ...CommonRequestFields, id: WebhookId });
export type WebhookIdBody = Static<typeof WebhookIdBody>;

export const WebhookResult = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  sms_events: Type.Array(Type.String()),
  headers: Type.Array(Type.String()),
  usernames: Type.Array(Type.String()),
  output_format: Type.String(),
  auth_header_type: Type.String(),
  auth_header_value: Type.String(),
  secret: Type.Optional(
    Type.String({
      description:
        'Standard Webhooks signing secret (whsec_…): only in the answer to add, and to edit with rotate_secret',
    }),
  ),
});
export type WebhookResult = Static<typeof WebhookResult>;

export const WebhookCallResult = Type.Object({
  id: Type.String({ description: 'The webhook-id header of the call (the same on every retry)' }),
  event: Type.String(),
  state: StringEnum(['pending', 'delivered', 'failed']),
  attempts: Type.Integer(),
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status of the last attempt' }),
  answer: Type.Union([Type.String(), Type.Null()], {
    description: 'Start of the last answer, or why none came',
  }),
  created_at: Type.String(),
  last_attempt_at: Type.Union([Type.String(), Type.Null()]),
  next_attempt_at: Type.Union([Type.String(), Type.Null()]),
});
export type WebhookCallResult = Static<typeof WebhookCallResult>;
