// The API side of the IP allow list (SPEC §8 "Restrictions", type 'api'): a key of an account with an
// enabled list works only from the networks on it; others get 403. One indexed query per request, read
// fresh, so a change made on any node holds on every node at the next request.
import { clientNetworkDenied } from '../domain/errors.js';
import type { OperationsDeps } from '../operations/context.js';
import { clientPermitted } from '../operations/restriction-checks.js';

/** Throws 403 when the key's account does not let `clientAddress` use its API keys. */
export async function checkApiClientNetwork(
  deps: OperationsDeps,
  accountId: string,
  clientAddress: string,
): Promise<void> {
  if (!(await clientPermitted(deps.repos, accountId, 'api', clientAddress))) {
    throw clientNetworkDenied(clientAddress);
  }
}
