// Allowed senders and recipients (SPEC §8 "Restrictions"): an entry is an address or a whole domain,
// written bare ('example.com', or '@example.com'); compared case-insensitively. A domain entry matches
// addresses at that domain only, not at its subdomains (list 'sub.example.com' separately).
import { isValidDomain, isValidEmailAddress, quoteFound } from './email-address.js';

export type ListEntryResult = { ok: true; value: string } | { ok: false; reason: string };

/** The stored form of one entry, or why it is not an address or domain. */
export function normaliseListEntry(input: string): ListEntryResult {
  const value = input.trim().toLowerCase().replace(/^@/, '');
  if (value.includes('@') ? isValidEmailAddress(value) : isValidDomain(value)) return { ok: true, value };
  return { ok: false, reason: `must be an email address or a domain name, found ${quoteFound(input)}` };
}

/** The entry values that would match `address`: itself and its domain (lower case). */
export function matchKeys(address: string): string[] {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  return at === -1 ? [lower] : [lower, lower.slice(at + 1)];
}
