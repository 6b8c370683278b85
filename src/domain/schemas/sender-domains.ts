// Request and response schemas of /v3/domain/* and /v3/single_sender_emails/* (SPEC §5), with the
// field names of SMTP2GO's reference; `spf_status` and `dmarc_status` are Petrel's additions.
import { Type, type Static } from '@sinclair/typebox';
import { CommonRequestFields, Nullable } from './common.js';

const DomainField = Type.String({ maxLength: 253, description: 'The sender domain, e.g. example.com' });
const SubdomainField = (description: string) => Type.Optional(Type.String({ maxLength: 63, description }));
const SubaccountAccess = {
  subaccounts: Type.Optional(
    Type.Array(Type.String({ maxLength: 64 }), {
      maxItems: 10000,
      description: 'Subaccount ids allowed to send from this master-account domain',
    }),
  ),
  future_subaccounts: Type.Optional(
    Type.Boolean({ description: 'Every subaccount (also those created later) may send from it' }),
  ),
};

export const AddDomainBody = Type.Object({
  ...CommonRequestFields,
  domain: DomainField,
  tracking_subdomain: SubdomainField("The tracking host's label (default 'link')"),
  returnpath_subdomain: SubdomainField("The return path's label (default 'em' + digits)"),
  auto_verify: Type.Optional(Type.Boolean({ description: 'Check the DNS records at once (default true)' })),
  requisition_ssl: Type.Optional(Type.Boolean({ description: 'Accepted and ignored (self-hosted)' })),
  subaccount_access: Type.Optional(Type.Object(SubaccountAccess)),
});
export type AddDomainBody = Static<typeof AddDomainBody>;

export const DomainNameBody = Type.Object({ ...CommonRequestFields, domain: DomainField });
export type DomainNameBody = Static<typeof DomainNameBody>;

export const ViewDomainsBody = Type.Object({
  ...CommonRequestFields,
  domain: Type.Optional(Type.String({ maxLength: 253, description: 'Only this domain' })),
});
export type ViewDomainsBody = Static<typeof ViewDomainsBody>;

export const EditSubdomainBody = Type.Object({
  ...CommonRequestFields,
  domain: DomainField,
  old_subdomain: SubdomainField('The current subdomain (checked when given)'),
  new_subdomain: SubdomainField('The new subdomain'),
  enabled: Type.Optional(Type.Boolean({ description: 'Tracking only: use the tracking host once verified' })),
});
export type EditSubdomainBody = Static<typeof EditSubdomainBody>;

export const SubaccountAccessBody = Type.Object({
  ...CommonRequestFields,
  domain: DomainField,
  ...SubaccountAccess,
});
export type SubaccountAccessBody = Static<typeof SubaccountAccessBody>;

export const DomainFacts = Type.Object({
  fulldomain: Type.String(),
  subdomain: Nullable(Type.String()),
  domain: Type.String({ description: 'The registrable domain without its suffix' }),
  suffix: Type.String(),
  dkim_selector: Type.String(),
  dkim_verified: Type.Boolean(),
  dkim_status: Type.String({ description: "'' when verified, else what was expected and found" }),
  dkim_value: Type.String({
    description: 'The TXT record to publish at <dkim_selector>._domainkey.<fulldomain>',
  }),
  dkim_ed25519_selector: Type.String({
    description: "The Ed25519 second key's selector (RFC 8463); '' on domains added without one",
  }),
  dkim_ed25519_verified: Type.Boolean({ description: 'True once mail is also signed ed25519-sha256' }),
  dkim_ed25519_status: Type.String(),
  dkim_ed25519_value: Type.String({
    description: 'The TXT record to publish at <dkim_ed25519_selector>._domainkey.<fulldomain>',
  }),
  rpath_selector: Type.String(),
  rpath_verified: Type.Boolean(),
  rpath_status: Type.String(),
  rpath_value: Type.String({ description: 'The CNAME target of <rpath_selector>.<fulldomain>' }),
  setup_link: Type.String(),
  spf_status: Type.String({ description: "Advice: what the domain's SPF record says" }),
  dmarc_status: Type.String({ description: "Advice: what the domain's _dmarc record says" }),
});

export const Tracker = Type.Object({
  fulldomain: Type.String(),
  subdomain: Type.String(),
  domain: Type.String(),
  suffix: Type.String(),
  cname_verified: Type.Boolean(),
  cname_status: Type.String(),
  cname_value: Type.String({ description: 'The CNAME target: the host of PETREL_PUBLIC_URL' }),
  enabled: Type.Boolean(),
});

export const SenderDomain = Type.Object({
  domain: DomainFacts,
  trackers: Type.Array(Tracker),
  subaccount_access: Type.Object({
    subaccounts: Type.Array(Type.String()),
    future_subaccounts: Type.Boolean(),
  }),
});
export type SenderDomain = Static<typeof SenderDomain>;

export const DomainsResult = Type.Object({ domains: Type.Array(SenderDomain) });
export type DomainsResult = Static<typeof DomainsResult>;

export const SingleSenderBody = Type.Object({
  ...CommonRequestFields,
  email_address: Type.String({ maxLength: 254, description: 'The address to send from' }),
  message: Type.Optional(
    Type.String({ maxLength: 2000, description: 'A note added to the verification mail' }),
  ),
});
export type SingleSenderBody = Static<typeof SingleSenderBody>;

export const ViewSingleSendersBody = Type.Object({
  ...CommonRequestFields,
  email_address: Type.Optional(
    Type.String({ maxLength: 254, description: 'Only addresses containing this' }),
  ),
});
export type ViewSingleSendersBody = Static<typeof ViewSingleSendersBody>;

export const SingleSendersResult = Type.Object({
  senders: Type.Array(Type.Object({ email_address: Type.String(), verified: Type.Boolean() })),
});
export type SingleSendersResult = Static<typeof SingleSendersResult>;
