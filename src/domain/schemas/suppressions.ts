// Request and response schemas of /v3/suppression/add|view|remove (SPEC §8), with SMTP2GO's names
// (reference paths /suppression/*).
import { Type, type Static } from '@sinclair/typebox';
import { DateField } from './activity.js';
import { CommonRequestFields, ContinueTokenField, Nullable, StringEnum } from './common.js';

/** SMTP2GO's suppression types; Petrel records all but `compliance` on its own. */
export const SUPPRESSION_TYPES = ['manual', 'spam', 'unsubscribe', 'bounce', 'compliance'] as const;
export type SuppressionType = (typeof SUPPRESSION_TYPES)[number];

const Address = (description: string) => Type.String({ minLength: 1, maxLength: 254, description });

const TypeList = Type.Array(StringEnum([...SUPPRESSION_TYPES]), { maxItems: SUPPRESSION_TYPES.length });

export const SuppressionAddBody = Type.Object({
  ...CommonRequestFields,
  email_address: Address('The address to suppress, or a whole domain written bare (example.net)'),
  block_description: Type.Optional(Type.String({ maxLength: 1000, description: 'Why it is suppressed' })),
});
export type SuppressionAddBody = Static<typeof SuppressionAddBody>;

export const SuppressionAddResult = Type.Object({
  added: Type.Boolean({ description: 'false when the address or domain was already suppressed' }),
  email_address: Type.String(),
  block_description: Type.String(),
});
export type SuppressionAddResult = Static<typeof SuppressionAddResult>;

export const SuppressionViewBody = Type.Object({
  ...CommonRequestFields,
  email_address: Type.Optional(
    Type.String({ maxLength: 254, description: 'Only this address or domain (exactly)' }),
  ),
  recipient: Type.Optional(
    Type.String({ maxLength: 254, description: 'Only this recipient (any part with fuzzy)' }),
  ),
  recipients: Type.Optional(Type.Array(Type.String({ maxLength: 254 }), { maxItems: 100 })),
  wildcard: Type.Optional(
    Type.String({ maxLength: 254, description: 'Only addresses containing this text' }),
  ),
  fuzzy: Type.Optional(Type.Boolean({ description: 'recipient(s) and reason(s) match parts, any case' })),
  reason: Type.Optional(
    Type.String({ maxLength: 1000, description: 'Only entries whose description contains this' }),
  ),
  reasons: Type.Optional(Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 20 })),
  suppression_type: Type.Optional(StringEnum([...SUPPRESSION_TYPES])),
  suppression_types: Type.Optional(TypeList),
  start_date: DateField('Only entries made at or after this time'),
  end_date: DateField('Only entries made at or before this time'),
  sort: Type.Optional(StringEnum(['asc', 'desc'], { description: 'By time; newest first by default' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Per page (default 100)' })),
  continue_token: ContinueTokenField,
});
export type SuppressionViewBody = Static<typeof SuppressionViewBody>;

export const SuppressionEntry = Type.Object({
  email_address: Type.String({ description: 'An address, or a bare domain' }),
  reason: StringEnum([...SUPPRESSION_TYPES]),
  block_description: Type.String(),
  complaint: Type.String({ description: "'' (complaint text is not kept)" }),
  timestamp: Type.String({ description: 'When it was suppressed, UTC: 2006-01-02 15:04:05' }),
  username: Type.String({ description: "The sender unsubscribed from; '' for every sender of the account" }),
  email_id: Nullable(Type.String({ description: 'The email that caused it (bounce, unsubscribe)' })),
});
export type SuppressionEntry = Static<typeof SuppressionEntry>;

export const SuppressionViewResult = Type.Object({
  results: Type.Array(SuppressionEntry),
  total_results: Type.Integer(),
  continue_token: Nullable(Type.String()),
});
export type SuppressionViewResult = Static<typeof SuppressionViewResult>;

export const SuppressionRemoveBody = Type.Object({
  ...CommonRequestFields,
  email_address: Address('The address or domain to remove from the list'),
  reasons: Type.Optional(
    Type.Array(StringEnum([...SUPPRESSION_TYPES]), {
      minItems: 1,
      maxItems: SUPPRESSION_TYPES.length,
      description: 'Which kinds of entry to remove (all when left out)',
    }),
  ),
});
export type SuppressionRemoveBody = Static<typeof SuppressionRemoveBody>;

export const SuppressionRemoveResult = Type.Object({
  suppressions: Type.Array(
    Type.Object({
      email_address: Type.String(),
      reason: StringEnum([...SUPPRESSION_TYPES]),
      removed: Type.Boolean(),
    }),
  ),
});
export type SuppressionRemoveResult = Static<typeof SuppressionRemoveResult>;
