// Request and response schemas of the access restrictions (SPEC §8 "Restrictions"): /allowed_senders/*,
// /allowed_recipients/*, /ip_allow_list*, /ip_auth/*, in SMTP2GO's shapes.
import { Type, type Static } from '@sinclair/typebox';
import { CommonRequestFields, StringEnum } from './common.js';
import { SendingSettingsFields, SendingSettingsView } from './sending-settings.js';

/** At most this many entries per list or per request. */
export const MAX_LIST_ENTRIES = 10_000;

const Entries = (what: string) =>
  Type.Array(Type.String({ maxLength: 320 }), {
    maxItems: MAX_LIST_ENTRIES,
    description: `${what}: email addresses and domain names (bare, e.g. "example.com")`,
  });

export const SenderMode = StringEnum(['whitelist', 'blacklist', 'disabled'], {
  description:
    'whitelist: only listed senders may be used; blacklist: listed senders may not; disabled: no check',
});

export const ViewListBody = Type.Object({ ...CommonRequestFields });
export type ViewListBody = Static<typeof ViewListBody>;

export const AllowedSendersBody = Type.Object({
  ...CommonRequestFields,
  allowed_senders: Entries('Senders'),
});
export type AllowedSendersBody = Static<typeof AllowedSendersBody>;

export const UpdateAllowedSendersBody = Type.Object({
  ...CommonRequestFields,
  allowed_senders: Entries('The whole new list of senders'),
  mode: SenderMode,
});
export type UpdateAllowedSendersBody = Static<typeof UpdateAllowedSendersBody>;

export const AllowedSendersResult = Type.Object({
  allowed_senders: Type.Array(Type.String()),
  mode: Type.String(),
});
export type AllowedSendersResult = Static<typeof AllowedSendersResult>;

const RecipientsEnabled = Type.Boolean({
  description: 'Whether the list is taken into account when sending (only listed recipients may be used)',
});

export const AllowedRecipientsBody = Type.Object({
  ...CommonRequestFields,
  allowed_recipients: Entries('Recipients'),
  enabled: Type.Optional(RecipientsEnabled),
});
export type AllowedRecipientsBody = Static<typeof AllowedRecipientsBody>;

export const UpdateAllowedRecipientsBody = Type.Object({
  ...CommonRequestFields,
  allowed_recipients: Entries('The whole new list of recipients'),
  enabled: RecipientsEnabled,
});
export type UpdateAllowedRecipientsBody = Static<typeof UpdateAllowedRecipientsBody>;

export const AllowedRecipientsResult = Type.Object({
  allowed_recipients: Type.Array(Type.String()),
  enabled: Type.Boolean(),
});
export type AllowedRecipientsResult = Static<typeof AllowedRecipientsResult>;

const IpListType = Type.Optional(
  StringEnum(['smtp', 'api'], {
    description: "Which list: 'smtp' (the account's SMTP logins, the default) or 'api' (its API keys)",
  }),
);
const IpAddressField = (description: string) => Type.String({ minLength: 1, maxLength: 100, description });
const DescriptionField = Type.Optional(Type.String({ maxLength: 1000, description: 'Free text' }));

export const IpAllowListBody = Type.Object({
  ...CommonRequestFields,
  enabled: Type.Optional(Type.Boolean({ description: 'Turn the list on or off; absent: only report it' })),
  type: IpListType,
});
export type IpAllowListBody = Static<typeof IpAllowListBody>;

export const IpAllowViewBody = Type.Object({ ...CommonRequestFields, type: IpListType });
export type IpAllowViewBody = Static<typeof IpAllowViewBody>;

export const IpAllowAddBody = Type.Object({
  ...CommonRequestFields,
  ip_address: IpAddressField('An IPv4 or IPv6 address or CIDR block, e.g. "203.0.113.0/24"'),
  description: DescriptionField,
  type: IpListType,
});
export type IpAllowAddBody = Static<typeof IpAllowAddBody>;

export const IpAllowEditBody = Type.Object({
  ...CommonRequestFields,
  ip_address: IpAddressField('The entry to change, as listed'),
  new_ip_address: Type.Optional(IpAddressField('Its new address or CIDR block')),
  description: DescriptionField,
  type: IpListType,
});
export type IpAllowEditBody = Static<typeof IpAllowEditBody>;

export const IpAllowRemoveBody = Type.Object({
  ...CommonRequestFields,
  ip_address: IpAddressField('The entry to remove, as listed'),
  type: IpListType,
});
export type IpAllowRemoveBody = Static<typeof IpAllowRemoveBody>;

export const IpAllowEntryResult = Type.Object({ ip_address: Type.String(), description: Type.String() });
export type IpAllowEntryResult = Static<typeof IpAllowEntryResult>;

export const IpAllowViewResult = Type.Object({
  enabled: Type.Boolean(),
  ip_addresses: Type.Array(IpAllowEntryResult),
});
export type IpAllowViewResult = Static<typeof IpAllowViewResult>;

export const IpAuthViewBody = Type.Object({
  ...CommonRequestFields,
  ip_address: Type.Optional(Type.String({ maxLength: 100, description: 'Only this entry' })),
});
export type IpAuthViewBody = Static<typeof IpAuthViewBody>;

export const IpAuthEditBody = Type.Object({
  ...CommonRequestFields,
  ip_address: IpAddressField('The address or CIDR block that sends without a login; added when new'),
  description: Type.Optional(Type.String({ maxLength: 1000, description: 'Free text' })),
  ...SendingSettingsFields,
});
export type IpAuthEditBody = Static<typeof IpAuthEditBody>;

export const IpAuthRemoveBody = Type.Object({
  ...CommonRequestFields,
  ip_address: IpAddressField('The entry to remove'),
});
export type IpAuthRemoveBody = Static<typeof IpAuthRemoveBody>;

export const IpAuthResult = Type.Object({
  ip_address: Type.String(),
  description: Type.String(),
  comments: Type.String(),
  ...SendingSettingsView,
});
export type IpAuthResult = Static<typeof IpAuthResult>;
