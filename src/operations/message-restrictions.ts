// Allowed senders and recipients for mail sent through the API (SPEC §8 "Restrictions"): a refused
// address is a 400 naming the request field it came from ('sender', 'to', 'cc', 'bcc'; 'mime_email' for
// email/mime, whose addresses come from the message's headers).
import { fieldError } from '../domain/errors.js';
import { quoteFound } from '../domain/email-address.js';
import { parseMailbox } from '../domain/mailbox.js';
import type { Repositories } from '../store/repositories/index.js';
import { recipientPermitted, senderPermitted } from './restriction-checks.js';

export interface AddressFields {
  sender: string;
  /** The request field a recipient address came from. */
  recipient: (address: string) => string;
}

/** email/send: the first of to, cc, bcc that names the address. */
export function sendBodyFields(body: { to?: string[]; cc?: string[]; bcc?: string[] }): AddressFields {
  const fields = new Map<string, string>();
  for (const field of ['to', 'cc', 'bcc'] as const) {
    for (const value of body[field] ?? []) {
      const parsed = parseMailbox(value);
      const key = parsed.ok ? parsed.mailbox.address.toLowerCase() : '';
      if (!fields.has(key)) fields.set(key, field);
    }
  }
  return { sender: 'sender', recipient: (address) => fields.get(address.toLowerCase()) ?? 'to' };
}

export const MIME_FIELDS: AddressFields = { sender: 'mime_email', recipient: () => 'mime_email' };

export async function checkMessageAddresses(
  repos: Pick<Repositories, 'addressLists' | 'ipAllowLists'>,
  accountId: string,
  message: { mailFrom: string; recipients: string[] },
  fields: AddressFields,
): Promise<void> {
  if (!(await senderPermitted(repos, accountId, message.mailFrom))) {
    throw fieldError(
      fields.sender,
      `names the sender ${quoteFound(message.mailFrom)}, which this account's allowed senders do not permit`,
    );
  }
  for (const address of message.recipients) {
    if (!(await recipientPermitted(repos, accountId, address))) {
      throw fieldError(
        fields.recipient(address),
        `names the recipient ${quoteFound(address)}, which is not among this account's allowed recipients`,
      );
    }
  }
}
