// Row types of the control-plane tables, as Kysely sees them. Booleans are stored as 0/1 integers and
// timestamps as ISO-8601 text, so that one set of queries serves SQLite and PostgreSQL alike.
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

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  smtp_users: SmtpUsersTable;
}
