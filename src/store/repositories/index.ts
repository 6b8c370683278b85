// All repositories over one database handle (or one transaction).
import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import type { Database } from '../tables.js';
import { accountsRepository } from './accounts.js';
import { apiKeysRepository } from './api-keys.js';
import { archiveRepository } from './archive.js';
import { sendingLimitsRepository } from './sending-limits.js';
import { smtpUsersRepository } from './smtp-users.js';
import { eventsRepository } from './events.js';
import { suppressionsRepository } from './suppressions.js';
import { activitySearchRepository } from './activity-search.js';
import { templatesRepository } from './templates.js';
import { statsRepository } from './stats.js';

export function repositories(db: Kysely<Database>, dialect: DialectName) {
  return {
    accounts: accountsRepository(db),
    apiKeys: apiKeysRepository(db),
    smtpUsers: smtpUsersRepository(db),
    events: eventsRepository(db),
    suppressions: suppressionsRepository(db),
    archive: archiveRepository(db),
    sendingLimits: sendingLimitsRepository(db, dialect),
    activity: activitySearchRepository(db),
    templates: templatesRepository(db),
    stats: statsRepository(db),
  };
}

export type Repositories = ReturnType<typeof repositories>;
