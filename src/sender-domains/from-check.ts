// The From header under PETREL_SENDER_POLICY=verified (SPEC §5): every From address must be allowed for
// the account, checked as the message streams in, before anything is stored.
import type { Readable } from 'node:stream';
import { headerValue } from '../delivery/header-block.js';
import { parseMailboxList } from '../domain/mailbox.js';
import { HeaderGate, HeaderRefused } from './header-gate.js';
import type { SenderPolicy } from './sender-policy.js';

export { HeaderRefused };

/** The message stream, erroring with HeaderRefused(<address>) when a From address is not allowed. */
export function fromHeaderRefusal(
  body: Readable,
  policy: Pick<SenderPolicy, 'allows'>,
  accountId: string,
): Readable {
  const gate = new HeaderGate(async (headers) => {
    const from = headerValue(headers, 'from') ?? '';
    const parsed = parseMailboxList(from);
    const addresses =
      parsed.ok && parsed.mailboxes.length > 0 ? parsed.mailboxes.map((m) => m.address) : [from];
    for (const address of addresses) {
      if (address === '' || !(await policy.allows(accountId, address))) return address;
    }
    return null;
  });
  // Not pipeline(): a refusal must not destroy the client's DATA stream (the session drains it).
  body.on('error', (err) => gate.destroy(err));
  return body.pipe(gate);
}
