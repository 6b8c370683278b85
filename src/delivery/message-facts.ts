// The header facts activity/search answers with (SPEC §1.7: from, to, cc, bcc, reply_to, recipients,
// byte_size, headers), read once from a message's header block at acceptance.
import { addressParser } from 'postal-mime';
import type { EventMessage } from '../store/repositories/event-facts.js';
import { headerValue } from './header-block.js';

/** Headers kept for include_headers / custom_headers: the block up to this many characters. */
const MAX_KEPT_HEADERS = 16 * 1024;

export function messageFacts(head: string, recipients: string[], byteSize: number): EventMessage {
  const block = head.replace(/(\r?\n)*$/, '');
  const value = (name: string) => headerValue(block, name) ?? '';
  return {
    // The first address of the first From header, as postal-mime reads it (a group has no address).
    fromAddress: addressParser(value('from'))[0]?.address ?? '',
    fromFull: value('from'),
    to: value('to'),
    cc: value('cc'),
    bcc: value('bcc'),
    replyTo: value('reply-to'),
    recipients,
    byteSize,
    headers: block.slice(0, MAX_KEPT_HEADERS),
  };
}

/** The values of the named headers (first occurrence, unfolded) in a header block; absent ones left out. */
export function pickHeaders(block: string, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const found = headerValue(block, name.toLowerCase());
    if (found !== null) picked[name] = found;
  }
  return picked;
}
