// Request and response schemas of /v3/api_keys/* (SPEC §1.6): a key's description, the endpoints it may
// call, and the same sending settings an SMTP user has (for mail sent through email/send).
import { Type, type Static } from '@sinclair/typebox';
import { CommonRequestFields, Nullable } from './common.js';
import { SendingSettingsFields, SendingSettingsView } from './sending-settings.js';

const Endpoints = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
  minItems: 1,
  maxItems: 100,
  description:
    'Endpoints the key may call: "*" (all), a path such as "/email/send", or a path prefix ending in "*" ' +
    'such as "/users/smtp/*". Never more than the calling key holds; default: the calling key\'s own list',
});

const KeyId = Type.String({
  minLength: 1,
  maxLength: 64,
  description: "The key's short id (as api_keys/add and api_keys/view answer it), or the full key",
});

const KeyFields = {
  description: Type.Optional(
    Nullable(Type.String({ maxLength: 1000, description: 'Free text, at most 1000 characters' })),
  ),
  endpoints: Type.Optional(Endpoints),
  ...SendingSettingsFields,
};

export const AddApiKeyBody = Type.Object({ ...CommonRequestFields, ...KeyFields });
export type AddApiKeyBody = Static<typeof AddApiKeyBody>;

export const EditApiKeyBody = Type.Object({ ...CommonRequestFields, id: KeyId, ...KeyFields });
export type EditApiKeyBody = Static<typeof EditApiKeyBody>;

export const ViewApiKeysBody = Type.Object({
  ...CommonRequestFields,
  id: Type.Optional(Type.String({ maxLength: 64, description: 'Only this key (short id or full key)' })),
  search: Type.Optional(
    Type.String({ maxLength: 200, description: 'Only keys whose description or id contains this' }),
  ),
});
export type ViewApiKeysBody = Static<typeof ViewApiKeysBody>;

export const RemoveApiKeyBody = Type.Object({ ...CommonRequestFields, id: KeyId });
export type RemoveApiKeyBody = Static<typeof RemoveApiKeyBody>;

export const PermissionsBody = Type.Object({ ...CommonRequestFields });
export type PermissionsBody = Static<typeof PermissionsBody>;

export const ApiKeyResult = Type.Object({
  id: Type.String({ description: "The key's short id, which edit and remove take" }),
  api_key: Type.String({
    description: 'The full key in the answer to add (shown only there); elsewhere masked, e.g. api-1A2B****…',
  }),
  description: Type.String(),
  endpoints: Type.Array(Type.String()),
  created_at: Type.String({ description: 'ISO 8601' }),
  ...SendingSettingsView,
});
export type ApiKeyResult = Static<typeof ApiKeyResult>;
