// Access restrictions (SPEC §8 "Restrictions"): /v3/allowed_senders/*, /v3/allowed_recipients/*,
// /v3/ip_allow_list* and /v3/ip_auth/*, in SMTP2GO's shapes.
import { Type } from '@sinclair/typebox';
import {
  AllowedRecipientsBody,
  AllowedRecipientsResult,
  AllowedSendersBody,
  AllowedSendersResult,
  IpAllowAddBody,
  IpAllowEditBody,
  IpAllowEntryResult,
  IpAllowListBody,
  IpAllowRemoveBody,
  IpAllowViewBody,
  IpAllowViewResult,
  IpAuthEditBody,
  IpAuthRemoveBody,
  IpAuthResult,
  IpAuthViewBody,
  UpdateAllowedRecipientsBody,
  UpdateAllowedSendersBody,
  ViewListBody,
} from '../../domain/schemas/restrictions.js';
import { allowedRecipients, allowedSenders } from '../../operations/address-lists.js';
import {
  addIpAllowEntry,
  editIpAllowEntry,
  removeIpAllowEntry,
  setIpAllowListEnabled,
  viewIpAllowList,
} from '../../operations/ip-allow-list.js';
import { editIpAuth, removeIpAuth, viewIpAuth } from '../../operations/ip-auth.js';
import { endpoint } from '../endpoint.js';

const SENDERS = 'Allowed senders';
const RECIPIENTS = 'Allowed recipients';
const IP_ALLOW = 'IP allow list';
const IP_AUTH = 'IP auth';

export const restrictionEndpoints = [
  endpoint({
    path: '/allowed_senders/add',
    tag: SENDERS,
    summary: 'Add addresses and domains to the allowed senders (the mode stays as it is)',
    body: AllowedSendersBody,
    response: AllowedSendersResult,
    handler: (ctx, body) => allowedSenders(ctx.deps, ctx.caller, 'add', body),
  }),
  endpoint({
    path: '/allowed_senders/view',
    tag: SENDERS,
    summary: 'View the allowed senders and their mode',
    body: ViewListBody,
    response: AllowedSendersResult,
    handler: (ctx, body) => allowedSenders(ctx.deps, ctx.caller, 'view', body),
  }),
  endpoint({
    path: '/allowed_senders/update',
    tag: SENDERS,
    summary: 'Replace the allowed senders and set the mode (whitelist, blacklist, disabled)',
    body: UpdateAllowedSendersBody,
    response: AllowedSendersResult,
    handler: (ctx, body) => allowedSenders(ctx.deps, ctx.caller, 'update', body),
  }),
  endpoint({
    path: '/allowed_senders/remove',
    tag: SENDERS,
    summary: 'Remove addresses and domains from the allowed senders (absent ones are no error)',
    body: AllowedSendersBody,
    response: AllowedSendersResult,
    handler: (ctx, body) => allowedSenders(ctx.deps, ctx.caller, 'remove', body),
  }),
  endpoint({
    path: '/allowed_recipients/add',
    tag: RECIPIENTS,
    summary: 'Add addresses and domains to the allowed recipients (and optionally enable the list)',
    body: AllowedRecipientsBody,
    response: AllowedRecipientsResult,
    handler: (ctx, body) => allowedRecipients(ctx.deps, ctx.caller, 'add', body),
  }),
  endpoint({
    path: '/allowed_recipients/view',
    tag: RECIPIENTS,
    summary: 'View the allowed recipients and whether the list is enabled',
    body: ViewListBody,
    response: AllowedRecipientsResult,
    handler: (ctx, body) => allowedRecipients(ctx.deps, ctx.caller, 'view', body),
  }),
  endpoint({
    path: '/allowed_recipients/update',
    tag: RECIPIENTS,
    summary: 'Replace the allowed recipients and enable or disable the list',
    body: UpdateAllowedRecipientsBody,
    response: AllowedRecipientsResult,
    handler: (ctx, body) => allowedRecipients(ctx.deps, ctx.caller, 'update', body),
  }),
  endpoint({
    path: '/allowed_recipients/remove',
    tag: RECIPIENTS,
    summary: 'Remove addresses and domains from the allowed recipients (absent ones are no error)',
    body: AllowedRecipientsBody,
    response: AllowedRecipientsResult,
    handler: (ctx, body) => allowedRecipients(ctx.deps, ctx.caller, 'remove', body),
  }),
  endpoint({
    path: '/ip_allow_list',
    tag: IP_ALLOW,
    summary: "Enable or disable an IP allow list ('smtp' by default, or 'api')",
    body: IpAllowListBody,
    response: Type.Object({ enabled: Type.Boolean() }),
    handler: (ctx, body) => setIpAllowListEnabled(ctx.deps, ctx.caller, body, ctx.client.address),
  }),
  endpoint({
    path: '/ip_allow_list/add',
    tag: IP_ALLOW,
    summary: 'Add an address or CIDR block to an IP allow list (overlapping entries are refused)',
    body: IpAllowAddBody,
    response: IpAllowEntryResult,
    handler: (ctx, body) => addIpAllowEntry(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/ip_allow_list/edit',
    tag: IP_ALLOW,
    summary: 'Change an entry of an IP allow list (new_ip_address, description)',
    body: IpAllowEditBody,
    response: IpAllowEntryResult,
    handler: (ctx, body) => editIpAllowEntry(ctx.deps, ctx.caller, body, ctx.client.address),
  }),
  endpoint({
    path: '/ip_allow_list/remove',
    tag: IP_ALLOW,
    summary: 'Remove an entry from an IP allow list',
    body: IpAllowRemoveBody,
    response: IpAllowEntryResult,
    handler: (ctx, body) => removeIpAllowEntry(ctx.deps, ctx.caller, body, ctx.client.address),
  }),
  endpoint({
    path: '/ip_allow_list/view',
    tag: IP_ALLOW,
    summary: 'View an IP allow list and whether it is enabled',
    body: IpAllowViewBody,
    response: IpAllowViewResult,
    handler: (ctx, body) => viewIpAllowList(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/ip_auth/view',
    tag: IP_AUTH,
    summary: 'View the IP-authenticated senders of the account (or one, by ip_address)',
    body: IpAuthViewBody,
    response: Type.Object({
      results: Type.Array(IpAuthResult),
      default_ratelimit_value: Type.Integer(),
      default_ratelimit_period: Type.String(),
    }),
    handler: async (ctx, body) => ({
      results: await viewIpAuth(ctx.deps, ctx.caller, body),
      default_ratelimit_value: 0,
      default_ratelimit_period: 'unlimited',
    }),
  }),
  endpoint({
    path: '/ip_auth/edit',
    methods: ['PATCH', 'POST'],
    tag: IP_AUTH,
    summary: 'Add an IP-authenticated sender, or change one; fields left out keep their value',
    body: IpAuthEditBody,
    response: Type.Array(IpAuthResult),
    handler: async (ctx, body) => [(await editIpAuth(ctx.deps, ctx.caller, body)).result],
  }),
  endpoint({
    path: '/ip_auth/remove',
    tag: IP_AUTH,
    summary: 'Remove an IP-authenticated sender',
    body: IpAuthRemoveBody,
    response: Type.Object({ results: Type.Array(IpAuthResult) }),
    handler: async (ctx, body) => ({ results: [await removeIpAuth(ctx.deps, ctx.caller, body)] }),
  }),
];
