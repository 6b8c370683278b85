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

/** A message held in a node's spool until its time (SPEC §8 scheduling); see migration 014. */
export interface ScheduledEmailsTable {
  schedule_id: string;
  account_id: string;
  state: 'scheduled' | 'sent' | 'removed';
  schedule_at: string;
  sender: string;
  subject: string;
  recipients: string;
  client_ip: string;
  node: string;
  created_at: string;
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
  api_request_counts: ApiRequestCountsTable;
  sender_domains: SenderDomainsTable;
  node_heartbeats: NodeHeartbeatsTable;
  single_sender_emails: SingleSenderEmailsTable;
  webhooks: WebhooksTable;
  webhook_calls: WebhookCallsTable;
  address_lists: AddressListsTable;
  address_list_entries: AddressListEntriesTable;
  ip_allow_lists: IpAllowListsTable;
  ip_allow_entries: IpAllowEntriesTable;
  ip_auth_entries: IpAuthEntriesTable;
  event_messages: EventMessagesTable;
  event_rollups: EventRollupsTable;
  templates: TemplatesTable;
  scheduled_emails: ScheduledEmailsTable;
  event_recipients: EventRecipientsTable;
}

/** Each account's distinct event recipients (lower-cased), so a substring search finds whole addresses. */
export interface EventRecipientsTable {
  account_id: string;
  recipient: string;
}

export interface ApiRequestCountsTable {
  scope: string;
  subject: string;
  // bigint: PostgreSQL hands it back as a string, SQLite as a number; read it through Number().
  bucket_start: ColumnType<number | string, number, number>;
  count: number;
}

export interface SenderDomainsTable {
  id: string;
  account_id: string;
  domain: string;
  dkim_selector: string;
  dkim_private_sealed: string;
  dkim_public: string;
  rpath_selector: string;
  tracking_subdomain: string;
  tracking_enabled: number;
  dkim_verified: number;
  dkim_status: string;
  rpath_verified: number;
  rpath_status: string;
  tracking_verified: number;
  tracking_status: string;
  spf_status: string;
  dmarc_status: string;
  /** JSON array of subaccount ids allowed to send from this (master account's) domain. */
  subaccounts: string;
  future_subaccounts: number;
  created_at: string;
  checked_at: string | null;
  /** The Ed25519 second key (migration 019); null on domains added before it. */
  ed25519_selector: string | null;
  ed25519_private_sealed: string | null;
  ed25519_public: string | null;
  ed25519_verified: number;
  ed25519_status: string;
}

export interface SingleSenderEmailsTable {
  account_id: string;
  email_address: string;
  verified: number;
  token_hash: string | null;
  created_at: string;
  verified_at: string | null;
}

/** A webhook endpoint of one account (SPEC §7); list columns hold JSON arrays of strings. */
export interface WebhooksTable {
  id: ColumnType<number, number | undefined, never>;
  account_id: string;
  url: string;
  events: string;
  headers: string;
  usernames: string;
  output_format: string;
  auth_header_type: string;
  /** Sealed (SecretBox). */
  auth_header_value: string;
  /** Sealed (SecretBox): the `whsec_…` signing secret. */
  secret: string;
  created_at: string;
  updated_at: string;
}

/** One call to a webhook: the outbox row until delivered or given up, then the call log. */
export interface WebhookCallsTable {
  id: string;
  webhook_id: number;
  account_id: string;
  event: string;
  payload: string;
  state: string;
  attempts: number;
  // bigint: PostgreSQL hands it back as a string; read it through Number().
  next_attempt_at: ColumnType<number | string, number, number>;
  last_status: number | null;
  last_answer: string | null;
  last_attempt_at: string | null;
  created_at: string;
}

/** Access restrictions (SPEC §8): allowed senders and recipients of an account. */
export interface AddressListsTable {
  account_id: string;
  list: string;
  mode: string;
}

export interface AddressListEntriesTable {
  account_id: string;
  list: string;
  value: string;
  position: number;
}

export interface IpAllowListsTable {
  account_id: string;
  type: string;
  enabled: number;
}

export interface IpAllowEntriesTable {
  account_id: string;
  type: string;
  network: string;
  range_start: string;
  range_end: string;
  description: string;
  created_at: string;
}

export interface IpAuthEntriesTable extends SendingSettingsColumns {
  id: string;
  account_id: string;
  network: string;
  range_start: string;
  range_end: string;
  description: string;
  created_at: string;
  updated_at: string;
}

/** One row per node: `petrel serve` updates `seen_at` periodically (migration 019, `petrel status`). */
export interface NodeHeartbeatsTable {
  node_id: string;
  hostname: string;
  pid: number;
  version: string;
  started_at: string;
  seen_at: string;
  /** Recipients this node delivered (bounced, deferred) in the minute / five minutes before `seen_at`. */
  delivered_1m: number;
  delivered_5m: number;
  deferred_5m: number;
  bounced_5m: number;
}
