// Row types of the control-plane tables, as Kysely sees them. Booleans are stored as 0/1 integers and
// timestamps as ISO-8601 text, so that one set of queries serves SQLite and PostgreSQL alike.
import type { ColumnType } from 'kysely';

/** Columns shared by SMTP users and API keys: the per-sender settings of SPEC §1.3 / §1.6. */
export interface SendingSettingsColumns {
  status: string;
  custom_ratelimit: number;
  custom_ratelimit_value: number | null;
  custom_ratelimit_period: string | null;
  custom_ratelimit_seconds: number | null;
  ip_pool: number | null;
  feedback_enabled: number;
  feedback_domain: string;
  feedback_html: string;
  feedback_text: string;
  open_tracking_enabled: number;
  click_tracking_enabled: number;
  archive_enabled: number;
  audit_email: string | null;
  bounce_notifications: string;
}

export interface AccountsTable {
  id: string;
  parent_id: string | null;
  name: string;
  email: string | null;
  monthly_limit: number | null;
  state: string;
  created_at: string;
  closed_at: string | null;
}

export interface ApiKeysTable extends SendingSettingsColumns {
  id: string;
  account_id: string;
  key_hash: string;
  key_prefix: string;
  description: string;
  endpoints: string;
  created_at: string;
}

export interface SmtpUsersTable extends SendingSettingsColumns {
  id: string;
  account_id: string;
  username: string;
  username_lower: string;
  password_hash: string;
  description: string;
  created_at: string;
  updated_at: string;
}

/** One rate-limit bucket: recipients an SMTP user had accepted in [bucket_start, bucket_end) (epoch ms). */
export interface SendingRateBucketsTable {
  user_id: string;
  // bigint: PostgreSQL hands these back as strings, SQLite as numbers; read them through Number().
  bucket_start: ColumnType<number | string, number, number>;
  bucket_end: ColumnType<number | string, number, number>;
  count: number;
}

/** Recipients accepted for an account in one calendar month (UTC), `month` as YYYY-MM. */
export interface MonthlyRecipientCountsTable {
  account_id: string;
  month: string;
  count: number;
}

/** One activity event (SPEC §1.7); optional columns are null where they do not apply. */
export interface EventsTable {
  id: string;
  account_id: string;
  event: string;
  date: string;
  email_id: string;
  username: string;
  sender: string;
  recipient: string;
  subject: string;
  reason: string | null;
  smtp_response: string | null;
  host: string | null;
  url: string | null;
  user_agent: string | null;
  ip: string | null;
}

/** A recipient not to send to: unsubscribed from one sender, or hard-bounced for the whole account. */
export interface SuppressionsTable {
  account_id: string;
  /** '' for the whole account. */
  username: string;
  /** Lower-cased address. */
  recipient: string;
  reason: string;
  email_id: string | null;
  created_at: string;
  block_description: string | null;
}

/** The header facts of one accepted message (SPEC §1.7), answered with each of its events. */
export interface EventMessagesTable {
  email_id: string;
  account_id: string;
  from_address: string;
  from_full: string;
  to_header: string;
  cc_header: string;
  bcc_header: string;
  reply_to: string;
  /** JSON list of the envelope recipients. */
  recipients: string;
  byte_size: ColumnType<number | string, number, number>;
  headers: string;
}

/** Per-day event counts (SPEC §8 statistics), kept as events are written. */
export interface EventRollupsTable {
  account_id: string;
  username: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  event: string;
  count: ColumnType<number | string, number, number>;
}

/** An email template (SPEC §8). */
export interface TemplatesTable {
  account_id: string;
  id: string;
  name: string;
  subject: string;
  html_body: string;
  text_body: string;
  /** JSON object. */
  variables: string;
  /** JSON list. */
  tags: string;
  updated_at: string;
}

export interface SecretsTable {
  name: string;
  /** base64 */
  value: string;
  created_at: string;
}

/** One archived message (SPEC §3.2); its body is a file on `node`, under `<dataDir>/archive/`. */
export interface ArchivedMessagesTable {
  email_id: string;
  account_id: string;
  username: string;
  sender: string;
  /** JSON list of the envelope recipients. */
  recipients: string;
  subject: string;
  date: string;
  // bigint: PostgreSQL hands it back as a string, SQLite as a number; read it through Number().
  size: ColumnType<number | string, number, number>;
  /** PETREL_HOSTNAME of the node whose disk holds the body. */
  node: string;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  smtp_users: SmtpUsersTable;
  sending_rate_buckets: SendingRateBucketsTable;
  monthly_recipient_counts: MonthlyRecipientCountsTable;
  events: EventsTable;
  suppressions: SuppressionsTable;
  secrets: SecretsTable;
  archived_messages: ArchivedMessagesTable;
  event_messages: EventMessagesTable;
  event_rollups: EventRollupsTable;
  templates: TemplatesTable;
}
