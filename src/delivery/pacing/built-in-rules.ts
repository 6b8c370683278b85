// Built-in pacing for the large mailbox providers (SPEC §9), kept as data: conservative limits these
// providers are known to accept from a sender without a reputation. docs/delivery.md mirrors this table.
import type { DestinationRule } from './rules.js';

export const BUILT_IN_DESTINATION_RULES: readonly DestinationRule[] = [
  // Google (gmail.com and every Workspace domain, found by its MX hosts).
  { match: 'mx:.google.com', max_connections: 5, messages_per_connection: 100, messages_per_minute: 600 },
  { match: 'mx:.googlemail.com', max_connections: 5, messages_per_connection: 100, messages_per_minute: 600 },
  // Microsoft: Outlook.com / Hotmail consumer mail and Microsoft 365 tenants.
  {
    match: 'mx:.olc.protection.outlook.com',
    max_connections: 3,
    messages_per_connection: 50,
    messages_per_minute: 300,
  },
  {
    match: 'mx:.mail.protection.outlook.com',
    max_connections: 5,
    messages_per_connection: 100,
    messages_per_minute: 600,
  },
  // Yahoo and AOL share Yahoo's inbound hosts.
  { match: 'mx:.yahoodns.net', max_connections: 3, messages_per_connection: 20, messages_per_minute: 300 },
  // Apple iCloud (icloud.com, me.com, mac.com).
  { match: 'mx:.mail.icloud.com', max_connections: 3, messages_per_connection: 50, messages_per_minute: 300 },
  // Domain rules too, for when the MX is not known yet (the first message) or a smarthost is used.
  { match: 'gmail.com', max_connections: 5, messages_per_connection: 100, messages_per_minute: 600 },
  { match: 'outlook.com', max_connections: 3, messages_per_connection: 50, messages_per_minute: 300 },
  { match: 'hotmail.com', max_connections: 3, messages_per_connection: 50, messages_per_minute: 300 },
  { match: 'live.com', max_connections: 3, messages_per_connection: 50, messages_per_minute: 300 },
  { match: 'yahoo.com', max_connections: 3, messages_per_connection: 20, messages_per_minute: 300 },
  { match: 'aol.com', max_connections: 3, messages_per_connection: 20, messages_per_minute: 300 },
  { match: 'icloud.com', max_connections: 3, messages_per_connection: 50, messages_per_minute: 300 },
];
