// /v3/dedicated_ips/view: the IP pools (from configuration) that the acting account may use (SPEC §1.5).
import { Type } from '@sinclair/typebox';
import { CommonRequestFields } from '../../domain/schemas/common.js';
import { actingAccount, poolsForAccount } from '../../operations/context.js';
import { endpoint } from '../endpoint.js';

export const dedicatedIpEndpoints = [
  endpoint({
    path: '/dedicated_ips/view',
    tag: 'Dedicated IPs',
    summary: 'List the IP pools this account may use',
    body: Type.Object({ ...CommonRequestFields }),
    response: Type.Array(
      Type.Object({ id: Type.Integer(), name: Type.String(), ip_addresses: Type.Array(Type.String()) }),
    ),
    handler: async (ctx, body) => {
      const account = await actingAccount(ctx.deps, ctx.caller, body.subaccount_id);
      return poolsForAccount(ctx.deps.ipPools, account.id).map((p) => ({
        id: p.id,
        name: p.name,
        ip_addresses: p.ip_addresses,
      }));
    },
  }),
];
