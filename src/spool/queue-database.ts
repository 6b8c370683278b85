// The node-local queue database (<spool>/queue.db): messages, their per-recipient delivery rows and
// small message bodies, in SQLite — a file of its own, apart from the control-plane database.
import { ensurePrivateFile, privatiseIfPresent } from '../security/private-files.js';
import { openSqliteDatabase, type SqliteConnection } from '../store/sqlite/driver.js';

// The same driver as the control-plane database (store/sqlite/driver.ts decides which).
export type QueueDb = SqliteConnection;

const SCHEMA_VERSION = 5;

// Each entry takes the database from version i to i + 1; a fresh file runs them all. Existing files
// are upgraded in place at open, so a node keeps its queue across an upgrade.
const MIGRATIONS: string[] = [
  `
CREATE TABLE IF NOT EXISTS messages (
  id TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL,
  mail_from TEXT NOT NULL,
  sender_kind TEXT NOT NULL CHECK (sender_kind IN ('smtp', 'api')),
  username TEXT NOT NULL,
  account_id TEXT NOT NULL,
  client_address TEXT NOT NULL,
  client_helo TEXT NOT NULL,
  tls INTEGER NOT NULL,
  sandbox INTEGER NOT NULL,
  size INTEGER NOT NULL,
  body_inline INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bodies (
  message_id TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  data BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS recipients (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('recipient', 'audit')),
  state TEXT NOT NULL CHECK (state IN ('queued', 'deferred', 'delivered', 'bounced', 'held')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_reply TEXT,
  updated_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS recipients_message ON recipients (message_id);
CREATE INDEX IF NOT EXISTS recipients_due ON recipients (next_attempt_at)
  WHERE state IN ('queued', 'deferred');
`,
  // 2: the sender's settings snapshot (JSON), NULL for mail Petrel generates itself (bounces). Messages
  // accepted before this version carried none: '{}' delivers them with the default settings.
  `
ALTER TABLE messages ADD COLUMN settings TEXT;
UPDATE messages SET settings = '{}';
`,
  // 3: whether a recipient is claimed by the delivery worker, so that a node restarting after a crash
  // can make the dead process's claims due at once while deferred recipients keep their schedule.
  `
ALTER TABLE recipients ADD COLUMN claimed INTEGER NOT NULL DEFAULT 0;
`,
  // 4: the schedule id of a message held until its time (email/send with `schedule`, SPEC §8); its
  // recipients' next_attempt_at is that time, so the claim query itself holds it back.
  `
ALTER TABLE messages ADD COLUMN schedule_id TEXT;
`,
  // 5: inline bodies in an ordinary (rowid) table. In a WITHOUT ROWID table a row keeps at most about a
  // quarter of a page (~1,000 bytes of 4 KiB) in the b-tree and spills the rest to an overflow page of
  // its own: a 1 KiB message took a leaf slot and a whole 4 KiB page, the file grew 2.6 times larger
  // than needed, and reading a body back cost two more page reads (docs/spool.md, "On disk").
  `
CREATE TABLE bodies_rowid (
  message_id TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  data BLOB NOT NULL
);
INSERT INTO bodies_rowid (message_id, data) SELECT message_id, data FROM bodies;
DROP TABLE bodies;
ALTER TABLE bodies_rowid RENAME TO bodies;
`,
];

// Delivery bookkeeping beside the queue (SPEC §9), created if missing at every open rather than as a
// numbered migration: they only add tables, so an older Petrel opening the file just ignores them.
// warmup_usage: each warmed-up pool address's first use and today's count (a restart keeps them).
// delay_notices: the messages whose "delayed" DSN was sent, so there is only ever one.
const SIDE_TABLES = `
CREATE TABLE IF NOT EXISTS warmup_usage (
  address TEXT PRIMARY KEY,
  first_used_at INTEGER NOT NULL,
  day INTEGER NOT NULL,
  sent INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS delay_notices (
  message_id TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  sent_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

export type RecipientKind = 'recipient' | 'audit';
export type RecipientState = 'queued' | 'deferred' | 'delivered' | 'bounced' | 'held';

export interface MessageRow {
  id: string;
  received_at: number;
  mail_from: string;
  sender_kind: 'smtp' | 'api';
  username: string;
  account_id: string;
  client_address: string;
  client_helo: string;
  tls: number;
  sandbox: number;
  size: number;
  body_inline: number;
  /** JSON of the sender's SendingSettings; null for Petrel's own messages. */
  settings: string | null;
  /** Set for a scheduled message (SPEC §8): the control plane's scheduled_emails row says whether it may go. */
  schedule_id: string | null;
}

export interface RecipientRow {
  id: number;
  message_id: string;
  address: string;
  kind: RecipientKind;
  state: RecipientState;
  attempts: number;
  next_attempt_at: number | null;
  last_reply: string | null;
  updated_at: number;
}

export type DurabilityMode = 'wal-fdatasync' | 'sqlite-full';

/**
 * Opens (creating if needed) the queue database. In `wal-fdatasync` mode SQLite itself does not sync
 * on commit (synchronous=NORMAL); the group committer fdatasyncs the WAL file off the main thread
 * before anyone is told a write is durable. `sqlite-full` lets SQLite fsync inside COMMIT, on the
 * event loop (kept for comparison; see docs/spool.md).
 */
export function openQueueDatabase(path: string, mode: DurabilityMode): QueueDb {
  // 0600 before SQLite opens it: its -wal and -shm files take the database file's mode (SPEC §10).
  ensurePrivateFile(path);
  const db = openSqliteDatabase(path);
  try {
    db.pragma('journal_mode = WAL');
    privatiseIfPresent([`${path}-wal`, `${path}-shm`]);
    db.pragma(mode === 'sqlite-full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `the spool queue at ${path} has schema version ${version}; this Petrel knows ${SCHEMA_VERSION}`,
      );
    }
    if (version < SCHEMA_VERSION) {
      db.exec('BEGIN IMMEDIATE');
      try {
        // Read again inside the write lock: another process may have upgraded the file meanwhile.
        const current = db.pragma('user_version', { simple: true }) as number;
        for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    }
    db.exec(SIDE_TABLES);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
