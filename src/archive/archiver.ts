// The archive (SPEC §3.2): the delivery worker hands over each message of a sender with archive_enabled;
// the body is copied to this node's disk and indexed in the shared database; the purge removes what is
// older than the retention. Bodies stay on the node that accepted the message.
import { hostname as machineHostname } from 'node:os';
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { QueuedMessage } from '../spool/index.js';
import { archiveRepository } from '../store/repositories/archive.js';
import type { Database } from '../store/tables.js';
import { openArchivedBody, removeArchivedBody, writeArchivedBody } from './archive-files.js';
import { readHeaderFacts } from './message-view.js';

export interface ArchiverOptions {
  dataDir: string;
  db: Kysely<Database>;
  logger: Logger;
  /** Days a message is kept (PETREL_ARCHIVE_RETENTION_DAYS). */
  retentionDays: number;
  /** This node's name in the index (PETREL_HOSTNAME); default: the machine's host name. */
  hostname?: string;
}

export interface Archiver {
  readonly retentionDays: number;
  /**
   * Copies the message as accepted (`openBody`, Received header first) to the archive and indexes it;
   * resolves once both are durable. Archiving the same message again changes nothing. `recipients` are
   * the envelope recipients; when left out, the index lists the addresses of the To and Cc headers.
   */
  archive(
    message: QueuedMessage,
    openBody: () => Readable,
    subject: string,
    recipients?: readonly string[],
  ): Promise<void>;
  /** Removes this node's archived messages accepted before now − retention; resolves to how many. */
  purgeExpired(now?: Date): Promise<number>;
}

const DAY_MS = 86_400_000;
const PURGE_BATCH = 500;

export function createArchiver(options: ArchiverOptions): Archiver {
  const { dataDir, logger, retentionDays } = options;
  const node = options.hostname ?? machineHostname();
  const index = archiveRepository(options.db);

  return {
    retentionDays,

    async archive(message, openBody, subject, recipients) {
      if (await index.find(message.accountId, message.id)) return;
      const size = await writeArchivedBody(dataDir, message.id, openBody());
      try {
        let listed = recipients ? [...recipients] : null;
        let title = subject;
        if (listed === null || title === '') {
          const facts = await readHeaderFacts(openArchivedBody(dataDir, message.id));
          listed ??= facts.addresses;
          title ||= facts.subject;
        }
        await index.insert({
          emailId: message.id,
          accountId: message.accountId,
          username: message.username,
          sender: message.mailFrom,
          recipients: listed,
          subject: title,
          date: new Date(message.receivedAt).toISOString(),
          size,
          node,
        });
      } catch (err) {
        // No index row may outlive its body, nor a body stay behind without a row.
        await removeArchivedBody(dataDir, message.id);
        throw err;
      }
      logger.info({ id: message.id, account: message.accountId, size }, 'message archived');
    },

    async purgeExpired(now = new Date()) {
      const before = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
      let removed = 0;
      for (;;) {
        const expired = await index.expired(node, before, PURGE_BATCH);
        // Bodies first: a crash in between leaves rows whose view fails cleanly, never unreachable files.
        for (const m of expired) await removeArchivedBody(dataDir, m.emailId);
        removed += await index.remove(expired.map((m) => m.emailId));
        if (expired.length < PURGE_BATCH) break;
      }
      if (removed > 0) logger.info({ removed, retentionDays }, 'archive: expired messages purged');
      return removed;
    },
  };
}
