// All repositories over one database handle (or one transaction).
import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import type { StoreVersion } from '../read-cache.js';
import type { Database } from '../tables.js';
import { accountsRepository } from './accounts.js';
import { apiKeysRepository } from './api-keys.js';
import { archiveRepository } from './archive.js';
import { requestCountsRepository } from './request-counts.js';
import { sendingLimitsRepository } from './sending-limits.js';
import { smtpUsersRepository } from './smtp-users.js';
import { eventsRepository } from './events.js';
import { suppressionsRepository } from './suppressions.js';
import { senderDomainsRepository } from './sender-domains.js';
import { webhookCallsRepository } from './webhook-calls.js';
import { webhooksRepository } from './webhooks.js';
import { addressListsRepository } from './address-lists.js';
import { ipAllowListsRepository } from './ip-allow-lists.js';
import { ipAuthRepository } from './ip-auth.js';
import { activitySearchRepository } from './activity-search.js';
import { templatesRepository } from './templates.js';
import { scheduledEmailsRepository } from './scheduled-emails.js';
import { statsRepository } from './stats.js';
import { nodeHeartbeatsRepository } from './node-heartbeats.js';

/** `version` (SQLite) lets the mail path's lookups be answered from memory while nothing changed. */
export function repositories(
  db: Kysely<Database>,
  dialect: DialectName,
  version: StoreVersion | null = null,
) {
  return {
    accounts: accountsRepository(db, version),
    apiKeys: apiKeysRepository(db),
    smtpUsers: smtpUsersRepository(db, version),
    events: eventsRepository(db),
    suppressions: suppressionsRepository(db),
    archive: archiveRepository(db),
    sendingLimits: sendingLimitsRepository(db, dialect),
    requestCounts: requestCountsRepository(db),
    senderDomains: senderDomainsRepository(db),
    webhooks: webhooksRepository(db),
    webhookCalls: webhookCallsRepository(db, dialect),
    addressLists: addressListsRepository(db, version),
    ipAllowLists: ipAllowListsRepository(db),
    ipAuth: ipAuthRepository(db),
    activity: activitySearchRepository(db),
    templates: templatesRepository(db),
    scheduledEmails: scheduledEmailsRepository(db),
    stats: statsRepository(db),
    nodeHeartbeats: nodeHeartbeatsRepository(db),
  };
}

export type Repositories = ReturnType<typeof repositories>;
