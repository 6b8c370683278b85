// /v3/api_keys/*: add, view, edit (POST and PATCH), remove, permissions (SPEC §1.6).
import { Type } from '@sinclair/typebox';
import {
  AddApiKeyBody,
  ApiKeyResult,
  EditApiKeyBody,
  PermissionsBody,
  RemoveApiKeyBody,
  ViewApiKeysBody,
} from '../../domain/schemas/api-keys.js';
import {
  addApiKey,
  editApiKey,
  grantableEndpoints,
  removeApiKey,
  viewApiKeys,
  type Grant,
} from '../../operations/api-keys.js';
import { endpoint, type HandlerContext } from '../endpoint.js';

const TAG = 'API keys';
const KeyList = Type.Array(ApiKeyResult);

const grantOf = (ctx: HandlerContext): Grant => ({
  held: ctx.keyEndpoints,
  known: ctx.allEndpoints,
  settings: ctx.keySettings,
});

export const apiKeyEndpoints = [
  endpoint({
    path: '/api_keys/add',
    tag: TAG,
    summary: 'Add an API key; the full key appears only in this answer',
    body: AddApiKeyBody,
    response: ApiKeyResult,
    handler: (ctx, body) => addApiKey(ctx.deps, ctx.caller, body, grantOf(ctx)),
  }),
  endpoint({
    path: '/api_keys/view',
    tag: TAG,
    summary: "List the account's API keys (masked), or one by id",
    body: ViewApiKeysBody,
    response: KeyList,
    handler: (ctx, body) => viewApiKeys(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/api_keys/edit',
    methods: ['POST', 'PATCH'],
    tag: TAG,
    summary: 'Edit an API key by id; fields left out keep their value. Answers a one-element list.',
    body: EditApiKeyBody,
    response: KeyList,
    handler: async (ctx, body) => [await editApiKey(ctx.deps, ctx.caller, body, grantOf(ctx))],
  }),
  endpoint({
    path: '/api_keys/remove',
    tag: TAG,
    summary: 'Remove an API key by id (a key may remove itself). Answers the removed key in a list.',
    body: RemoveApiKeyBody,
    response: KeyList,
    handler: async (ctx, body) => [await removeApiKey(ctx.deps, ctx.caller, body, grantOf(ctx))],
  }),
  endpoint({
    path: '/api_keys/permissions',
    tag: TAG,
    summary: 'The endpoints the calling API key may grant to keys it adds',
    body: PermissionsBody,
    response: Type.Array(Type.String()),
    handler: (ctx) => Promise.resolve(grantableEndpoints(grantOf(ctx))),
  }),
];
