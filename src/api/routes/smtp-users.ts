// /v3/users/smtp/*: add, view, edit (POST and PATCH), remove (SPEC §1.3, §1.4).
import { Type } from '@sinclair/typebox';
import { Nullable } from '../../domain/schemas/common.js';
import {
  AddSmtpUserBody,
  EditSmtpUserBody,
  RemoveSmtpUserBody,
  SmtpUserResult,
  ViewSmtpUsersBody,
} from '../../domain/schemas/smtp-users.js';
import { addSmtpUser, editSmtpUser, removeSmtpUser, viewSmtpUsers } from '../../operations/smtp-users.js';
import { endpoint } from '../endpoint.js';

const TAG = 'SMTP users';
const Results = Type.Object({ results: Type.Array(SmtpUserResult) });

export const smtpUserEndpoints = [
  endpoint({
    path: '/users/smtp/add',
    tag: TAG,
    summary: 'Add an SMTP user',
    body: AddSmtpUserBody,
    response: Results,
    handler: async (ctx, body) => ({ results: [await addSmtpUser(ctx.deps, ctx.caller, body)] }),
  }),
  endpoint({
    path: '/users/smtp/view',
    tag: TAG,
    summary: 'View SMTP users (one, or a page of all)',
    body: ViewSmtpUsersBody,
    response: Type.Object({
      results: Type.Array(SmtpUserResult),
      default_ratelimit_value: Type.Integer(),
      default_ratelimit_period: Type.String(),
      continue_token: Type.Optional(Nullable(Type.String())),
    }),
    handler: async (ctx, body) => {
      const page = await viewSmtpUsers(ctx.deps, ctx.caller, body);
      return {
        results: page.results,
        default_ratelimit_value: 0,
        default_ratelimit_period: 'unlimited',
        ...(page.continueToken !== null ? { continue_token: page.continueToken } : {}),
      };
    },
  }),
  endpoint({
    path: '/users/smtp/edit',
    methods: ['POST', 'PATCH'],
    tag: TAG,
    summary: 'Edit an SMTP user; fields left out keep their value. PATCH answers data as a plain list.',
    body: EditSmtpUserBody,
    response: Type.Union([Results, Type.Array(SmtpUserResult)]),
    handler: async (ctx, body) => {
      const result = await editSmtpUser(ctx.deps, ctx.caller, body);
      return ctx.method === 'PATCH' ? [result] : { results: [result] };
    },
  }),
  endpoint({
    path: '/users/smtp/remove',
    tag: TAG,
    summary: 'Remove an SMTP user (mail already accepted is still delivered)',
    body: RemoveSmtpUserBody,
    response: Results,
    handler: async (ctx, body) => ({ results: [await removeSmtpUser(ctx.deps, ctx.caller, body)] }),
  }),
];
