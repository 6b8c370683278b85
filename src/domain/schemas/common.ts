// Request fields shared by several endpoints. TypeBox schemas here validate requests (API and CLI) and
// are published as the OpenAPI document, so there is one definition of each field.
import { Type, type TSchema } from '@sinclair/typebox';

/** Extra keywords Petrel's validator understands; `patternHint` words a failed `pattern` for humans. */
export interface Hints {
  patternHint?: string;
}

/** A string enum as JSON Schema `enum` (clearer errors and docs than TypeBox's union of literals). */
export const StringEnum = <T extends string[]>(values: [...T], options: { description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: values, ...options });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ApiKeyField = Type.Optional(
  Type.String({ description: 'The API key, when not sent in the X-Smtp2go-Api-Key or Authorization header' }),
);

export const SubaccountIdField = Type.Optional(
  Type.String({ maxLength: 64, description: "Act on behalf of this subaccount of the key's account" }),
);

export const PageSizeField = Type.Optional(
  Type.Integer({ minimum: 1, maximum: 1000, description: 'How many results per page (default 100)' }),
);

export const ContinueTokenField = Type.Optional(
  Type.String({ maxLength: 500, description: 'The continue_token of the previous page' }),
);

/** Every authenticated request may carry these besides its own fields. */
export const CommonRequestFields = {
  api_key: ApiKeyField,
  subaccount_id: SubaccountIdField,
};

/** The SMTP2GO response envelope around `data`. */
export const Envelope = <T extends TSchema>(data: T) =>
  Type.Object({ request_id: Type.String({ format: 'uuid' }), data });

export const ErrorEnvelope = Envelope(
  Type.Object({
    error: Type.String(),
    error_code: Type.String(),
    field_validation_errors: Type.Optional(Type.Object({ fieldname: Type.String(), message: Type.String() })),
  }),
);
