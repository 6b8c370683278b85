// Request and response schemas of /v3/email/batch (SPEC §8): up to 100 email/send requests in one call,
// each answered on its own, in order (reference path /email/batch).
import { Type, type Static } from '@sinclair/typebox';
import { CommonRequestFields } from './common.js';

export const MAX_BATCH_EMAILS = 100;

export const SendBatchBody = Type.Object({
  ...CommonRequestFields,
  emails: Type.Array(
    Type.Object({}, { additionalProperties: true, description: 'An email/send request body' }),
    {
      minItems: 1,
      maxItems: MAX_BATCH_EMAILS,
      description: `Up to ${MAX_BATCH_EMAILS} emails, each with the fields of email/send; each is checked and sent on its own`,
    },
  ),
});
export type SendBatchBody = Static<typeof SendBatchBody>;

export const BatchAnswer = Type.Object({
  email_id: Type.Optional(Type.String({ description: 'The email was accepted' })),
  schedule_id: Type.Optional(Type.String({ description: 'The email was accepted for later (schedule)' })),
  failures: Type.Optional(
    Type.Array(Type.String(), { description: 'Recipients refused (rate or monthly limit)' }),
  ),
  error: Type.Optional(Type.String({ description: 'Why this email was refused' })),
  error_code: Type.Optional(Type.String()),
  field_validation_errors: Type.Optional(Type.Object({ fieldname: Type.String(), message: Type.String() })),
});
export type BatchAnswer = Static<typeof BatchAnswer>;

export const SendBatchResult = Type.Array(BatchAnswer, { description: 'One answer per email, in order' });
