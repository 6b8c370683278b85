// The per-sender settings (SPEC §1.3) shared by SMTP users and API keys: their defaults, the rules that
// a schema cannot express, and the shape the API answers with.
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { checkBounceNotifications, parseAuditEmailList } from './email-address.js';
import { fieldError } from './errors.js';
import { formatPeriodSeconds, parseRatelimitPeriod } from './ratelimit-period.js';
import { SendingSettingsFields, type SendingSettingsView } from './schemas/sending-settings.js';

export type SenderStatus = 'allowed' | 'blocked' | 'sandbox';

export interface SendingSettings {
  status: SenderStatus;
  custom_ratelimit: boolean;
  custom_ratelimit_value: number | null;
  /** Canonical form (SPEC §1.9), or null when there is no custom limit. */
  custom_ratelimit_period: string | null;
  custom_ratelimit_seconds: number | null;
  ip_pool: number | null;
  feedback_enabled: boolean;
  feedback_domain: string;
  feedback_html: string;
  feedback_text: string;
  open_tracking_enabled: boolean;
  click_tracking_enabled: boolean;
  archive_enabled: boolean;
  /** Comma-separated, normalised list, or null when there is none. */
  audit_email: string | null;
  bounce_notifications: string;
}

export const DEFAULT_SENDING_SETTINGS: Readonly<SendingSettings> = {
  status: 'allowed',
  custom_ratelimit: false,
  custom_ratelimit_value: null,
  custom_ratelimit_period: null,
  custom_ratelimit_seconds: null,
  ip_pool: null,
  feedback_enabled: false,
  feedback_domain: 'default',
  feedback_html: '',
  feedback_text: '',
  open_tracking_enabled: false,
  click_tracking_enabled: false,
  archive_enabled: false,
  audit_email: null,
  bounce_notifications: 'from',
};

export const SendingSettingsInput = Type.Object(SendingSettingsFields);
export type SendingSettingsInput = Static<typeof SendingSettingsInput>;

export const MAX_RATELIMIT_VALUE = 2147483647;

export interface ResolvedSettings {
  settings: SendingSettings;
  /** Things worth a log line but not a refusal (e.g. a non-default feedback_domain). */
  warnings: string[];
}

/**
 * Applies `input` (already checked against the schema) on top of `current` (the defaults for a new
 * sender). Fields left out keep their current value. Throws the ValidationError of the first bad field.
 */
export function resolveSendingSettings(
  input: SendingSettingsInput,
  current: SendingSettings,
): ResolvedSettings {
  const next: SendingSettings = { ...current };
  const warnings: string[] = [];

  if (input.status !== undefined) next.status = input.status;

  const enabled = input.custom_ratelimit ?? current.custom_ratelimit;
  if (enabled) {
    const value = input.custom_ratelimit_value ?? current.custom_ratelimit_value;
    if (value === null || value === undefined) {
      throw fieldError('custom_ratelimit_value', 'is required when custom_ratelimit is true');
    }
    if (value < 1 || value > MAX_RATELIMIT_VALUE) {
      throw fieldError('custom_ratelimit_value', `must be 1 to ${MAX_RATELIMIT_VALUE}, found ${value}`);
    }
    next.custom_ratelimit = true;
    next.custom_ratelimit_value = value;
    const rawPeriod = input.custom_ratelimit_period;
    if (rawPeriod !== undefined && rawPeriod !== null) {
      const parsed = parseRatelimitPeriod(rawPeriod);
      if (!parsed.ok) throw fieldError('custom_ratelimit_period', parsed.reason);
      next.custom_ratelimit_period = parsed.period.canonical;
      next.custom_ratelimit_seconds = parsed.period.seconds;
    } else if (current.custom_ratelimit_period === null) {
      throw fieldError('custom_ratelimit_period', 'is required when custom_ratelimit is true');
    }
  } else {
    // SPEC §1.3: value and period are stored only while the custom limit is on; turning it off clears them.
    next.custom_ratelimit = false;
    next.custom_ratelimit_value = null;
    next.custom_ratelimit_period = null;
    next.custom_ratelimit_seconds = null;
  }

  if (input.ip_pool !== undefined) next.ip_pool = input.ip_pool;
  if (input.feedback_enabled !== undefined) next.feedback_enabled = input.feedback_enabled;
  if (input.feedback_domain !== undefined) {
    next.feedback_domain = input.feedback_domain.trim() === '' ? 'default' : input.feedback_domain.trim();
    if (next.feedback_domain !== 'default') {
      warnings.push(
        `feedback_domain is '${next.feedback_domain}', not 'default': unsubscribe links still use Petrel's public URL`,
      );
    }
  }
  if (input.feedback_html !== undefined) next.feedback_html = input.feedback_html;
  if (input.feedback_text !== undefined) next.feedback_text = input.feedback_text;
  if (input.open_tracking_enabled !== undefined) next.open_tracking_enabled = input.open_tracking_enabled;
  if (input.click_tracking_enabled !== undefined) next.click_tracking_enabled = input.click_tracking_enabled;
  if (input.archive_enabled !== undefined) next.archive_enabled = input.archive_enabled;

  if (input.audit_email !== undefined) {
    if (input.audit_email === null || input.audit_email.trim() === '') {
      next.audit_email = null;
    } else {
      const parsed = parseAuditEmailList(input.audit_email);
      if (!parsed.ok) throw fieldError('audit_email', parsed.reason);
      next.audit_email = parsed.addresses.length > 0 ? parsed.addresses.join(',') : null;
    }
  }

  if (input.bounce_notifications !== undefined) {
    const value = input.bounce_notifications.trim();
    const problem = checkBounceNotifications(value);
    if (problem !== null) throw fieldError('bounce_notifications', problem);
    next.bounce_notifications = value;
  }

  return { settings: next, warnings };
}

type SendingSettingsViewShape = {
  [K in keyof typeof SendingSettingsView]: Static<(typeof SendingSettingsView)[K]>;
};

/** The settings as the API answers them. `accountOpen` is false for a closed subaccount. */
export function toSendingSettingsView(s: SendingSettings, accountOpen: boolean): SendingSettingsViewShape {
  return {
    sending_allowed: accountOpen && s.status !== 'blocked',
    status: s.status,
    custom_ratelimit: s.custom_ratelimit,
    custom_ratelimit_value: s.custom_ratelimit ? s.custom_ratelimit_value : null,
    custom_ratelimit_period:
      s.custom_ratelimit && s.custom_ratelimit_period ? s.custom_ratelimit_period : formatPeriodSeconds(0),
    default_ratelimit_value: 0,
    default_ratelimit_period: 'unlimited',
    ippool: s.ip_pool,
    feedback_enabled: s.feedback_enabled,
    feedback_domain: s.feedback_domain,
    feedback_html: s.feedback_html,
    feedback_text: s.feedback_text,
    open_tracking_enabled: s.open_tracking_enabled,
    click_tracking_enabled: s.click_tracking_enabled,
    archive_enabled: s.archive_enabled,
    audit_email: s.audit_email,
    bounce_notifications: s.bounce_notifications,
  };
}
