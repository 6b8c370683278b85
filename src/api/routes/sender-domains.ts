// /v3/domain/* (SPEC §5): sender domains, their DKIM keys, return-path and tracking subdomains.
import {
  AddDomainBody,
  DomainNameBody,
  DomainsResult,
  EditSubdomainBody,
  SubaccountAccessBody,
  SingleSenderBody,
  SingleSendersResult,
  ViewDomainsBody,
  ViewSingleSendersBody,
} from '../../domain/schemas/sender-domains.js';
import { addSingleSender, removeSingleSender, viewSingleSenders } from '../../operations/single-senders.js';
import {
  addDomain,
  editSubaccountAccess,
  editSubdomain,
  removeDomain,
  verifyDomain,
  viewDomains,
} from '../../operations/sender-domains.js';
import { endpoint } from '../endpoint.js';

const TAG = 'Sender domains';

export const senderDomainEndpoints = [
  endpoint({
    path: '/domain/add',
    tag: TAG,
    summary: 'Add a sender domain: a new DKIM key and the DNS records to publish',
    body: AddDomainBody,
    response: DomainsResult,
    handler: (ctx, body) => addDomain(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/domain/view',
    tag: TAG,
    summary: 'List the sender domains with their records and verification state',
    body: ViewDomainsBody,
    response: DomainsResult,
    handler: (ctx, body) => viewDomains(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/domain/verify',
    tag: TAG,
    summary: "Check a sender domain's DNS records now",
    body: DomainNameBody,
    response: DomainsResult,
    handler: (ctx, body) => verifyDomain(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/domain/remove',
    tag: TAG,
    summary: 'Remove a sender domain (its mail is no longer signed)',
    body: DomainNameBody,
    response: DomainsResult,
    handler: (ctx, body) => removeDomain(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/domain/tracking',
    tag: TAG,
    summary: "Change a sender domain's tracking subdomain (or turn its use off with enabled: false)",
    body: EditSubdomainBody,
    response: DomainsResult,
    handler: (ctx, body) => editSubdomain(ctx.deps, ctx.caller, body, 'tracking'),
  }),
  endpoint({
    path: '/domain/returnpath',
    tag: TAG,
    summary: "Change a sender domain's return-path subdomain",
    body: EditSubdomainBody,
    response: DomainsResult,
    handler: (ctx, body) => editSubdomain(ctx.deps, ctx.caller, body, 'rpath'),
  }),
  endpoint({
    path: '/domain/subaccount_access',
    tag: TAG,
    summary: "Let subaccounts send from a master account's verified sender domain",
    body: SubaccountAccessBody,
    response: DomainsResult,
    handler: (ctx, body) => editSubaccountAccess(ctx.deps, ctx.caller, body),
  }),
];

export const singleSenderEndpoints = [
  endpoint({
    path: '/single_sender_emails/add',
    tag: 'Single sender emails',
    summary: 'Add a sender address and mail it a verification link',
    body: SingleSenderBody,
    response: SingleSendersResult,
    handler: (ctx, body) => addSingleSender(ctx.deps, ctx.caller, ctx.spool, ctx.config, body),
  }),
  endpoint({
    path: '/single_sender_emails/view',
    tag: 'Single sender emails',
    summary: 'List the single sender emails and whether each is verified',
    body: ViewSingleSendersBody,
    response: SingleSendersResult,
    handler: (ctx, body) => viewSingleSenders(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/single_sender_emails/remove',
    tag: 'Single sender emails',
    summary: 'Remove a single sender email',
    body: SingleSenderBody,
    response: SingleSendersResult,
    handler: (ctx, body) => removeSingleSender(ctx.deps, ctx.caller, body),
  }),
];
