// Request and response schemas of /v3/subaccount/* and /v3/subaccounts/search (SPEC §1.6); field names
// follow SMTP2GO's documentation of the same endpoints (see docs/api-accounts.md).
import { Type, type Static } from '@sinclair/typebox';
import { CommonRequestFields, ContinueTokenField, Nullable, PageSizeField, StringEnum } from './common.js';

export const DEFAULT_SUBACCOUNT_LIMIT = 10000;
const MAX_INT32 = 2147483647;

/** The states a subaccount can be in, and the values `states` accepts when searching. */
export const SUBACCOUNT_STATES = ['active', 'closed'] as const;
export const SEARCHABLE_STATES = ['all', 'active', 'closed', 'suspended'];

const SubaccountIdField = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'The id of a subaccount of this account',
});

const FULLNAME_MAX = 200;

const Fullname = Type.String({
  minLength: 1,
  maxLength: FULLNAME_MAX,
  description: `A name for the subaccount, 1 to ${FULLNAME_MAX} characters`,
});

const SubaccountEmail = Type.Optional(
  Nullable(
    Type.String({
      maxLength: 254,
      description: 'A contact address for the subaccount (stored, never mailed); blank or null: none',
    }),
  ),
);

const Limit = Type.Integer({
  minimum: 1,
  maximum: MAX_INT32,
  description: `Emails the subaccount may send per calendar month (UTC); default ${DEFAULT_SUBACCOUNT_LIMIT}`,
});

export const AddSubaccountBody = Type.Object({
  ...CommonRequestFields,
  fullname: Fullname,
  subaccount_email: SubaccountEmail,
  limit: Type.Optional(Limit),
});
export type AddSubaccountBody = Static<typeof AddSubaccountBody>;

export const EditSubaccountBody = Type.Object({
  ...CommonRequestFields,
  id: SubaccountIdField,
  fullname: Type.Optional(Fullname),
  subaccount_email: SubaccountEmail,
  limit: Type.Optional(Limit),
});
export type EditSubaccountBody = Static<typeof EditSubaccountBody>;

/** close and reopen name the subaccount by id only. */
export const SubaccountStateBody = Type.Object({ ...CommonRequestFields, id: SubaccountIdField });
export type SubaccountStateBody = Static<typeof SubaccountStateBody>;

/** A string or a list of strings: SMTP2GO documents `states` as a string and `search_terms` as a list. */
const StringOrList = (description: string) =>
  Type.Unsafe<string | string[]>({
    type: ['string', 'array'],
    items: { type: 'string', maxLength: 254 },
    maxLength: 254,
    maxItems: 50,
    description,
  });

export const SearchSubaccountsBody = Type.Object({
  ...CommonRequestFields,
  search_terms: Type.Optional(
    StringOrList('Only subaccounts whose name, email or id contains one of these (a string or a list)'),
  ),
  fuzzy_search: Type.Optional(
    Type.Boolean({
      description: 'true (default): partial, case-insensitive matches; false: whole values, exactly',
    }),
  ),
  states: Type.Optional(
    StringOrList(`Only subaccounts in these states: ${SEARCHABLE_STATES.join(', ')} (a string or a list)`),
  ),
  sort_direction: Type.Optional(
    StringEnum(['asc', 'desc'], { description: 'Order by name: asc (default) or desc' }),
  ),
  page_size: PageSizeField,
  continue_token: ContinueTokenField,
});
export type SearchSubaccountsBody = Static<typeof SearchSubaccountsBody>;

export const SubaccountResult = Type.Object({
  id: Type.String(),
  /** SMTP2GO answers the name as `name`; `fullname` repeats it under the request's field name. */
  name: Type.String(),
  fullname: Type.String(),
  email: Nullable(Type.String()),
  limit: Type.Integer(),
  plan_size: Type.Integer({ description: "SMTP2GO's name for limit" }),
  state: StringEnum([...SUBACCOUNT_STATES]),
  created_at: Type.String({ description: 'ISO 8601' }),
  closed_at: Nullable(Type.String({ description: 'ISO 8601; null while active' })),
});
export type SubaccountResult = Static<typeof SubaccountResult>;

export const SubaccountSearchResult = Type.Object({
  subaccounts: Type.Array(SubaccountResult),
  total_count: Type.Integer({ description: 'How many subaccounts match, over all pages' }),
  continue_token: Nullable(Type.String({ description: 'Set when more pages remain' })),
});
export type SubaccountSearchResult = Static<typeof SubaccountSearchResult>;
