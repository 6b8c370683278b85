// /v3/subaccount/{add,edit,close,reopen} and /v3/subaccounts/search: the master account's subaccounts
// (SPEC §1.6).
import {
  AddSubaccountBody,
  EditSubaccountBody,
  SearchSubaccountsBody,
  SubaccountResult,
  SubaccountSearchResult,
  SubaccountStateBody,
} from '../../domain/schemas/subaccounts.js';
import {
  addSubaccount,
  closeSubaccount,
  editSubaccount,
  reopenSubaccount,
  searchSubaccounts,
} from '../../operations/subaccounts.js';
import { endpoint } from '../endpoint.js';

const TAG = 'Subaccounts';

export const subaccountEndpoints = [
  endpoint({
    path: '/subaccount/add',
    tag: TAG,
    summary: 'Add a subaccount (master account only)',
    body: AddSubaccountBody,
    response: SubaccountResult,
    handler: (ctx, body) => addSubaccount(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/subaccount/edit',
    tag: TAG,
    summary: "Change a subaccount's name, email or monthly limit; fields left out keep their value",
    body: EditSubaccountBody,
    response: SubaccountResult,
    handler: (ctx, body) => editSubaccount(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/subaccount/close',
    tag: TAG,
    summary: 'Close a subaccount: its SMTP users stop sending and its own API keys stop working',
    body: SubaccountStateBody,
    response: SubaccountResult,
    handler: (ctx, body) => closeSubaccount(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/subaccount/reopen',
    tag: TAG,
    summary: 'Reopen a closed subaccount',
    body: SubaccountStateBody,
    response: SubaccountResult,
    handler: (ctx, body) => reopenSubaccount(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/subaccounts/search',
    tag: TAG,
    summary: 'Search the subaccounts by name, email or id, and state; ordered by name',
    body: SearchSubaccountsBody,
    response: SubaccountSearchResult,
    handler: (ctx, body) => searchSubaccounts(ctx.deps, ctx.caller, body),
  }),
];
