// Converts the shared sending-settings columns (0/1 integers) to and from the domain's SendingSettings.
import type { SenderStatus, SendingSettings } from '../domain/sending-settings.js';
import type { SendingSettingsColumns } from './tables.js';

export function toSettingsColumns(s: SendingSettings): SendingSettingsColumns {
  return {
    status: s.status,
    custom_ratelimit: s.custom_ratelimit ? 1 : 0,
    custom_ratelimit_value: s.custom_ratelimit_value,
    custom_ratelimit_period: s.custom_ratelimit_period,
    custom_ratelimit_seconds: s.custom_ratelimit_seconds,
    ip_pool: s.ip_pool,
    feedback_enabled: s.feedback_enabled ? 1 : 0,
    feedback_domain: s.feedback_domain,
    feedback_html: s.feedback_html,
    feedback_text: s.feedback_text,
    open_tracking_enabled: s.open_tracking_enabled ? 1 : 0,
    click_tracking_enabled: s.click_tracking_enabled ? 1 : 0,
    archive_enabled: s.archive_enabled ? 1 : 0,
    audit_email: s.audit_email,
    bounce_notifications: s.bounce_notifications,
  };
}

export function fromSettingsColumns(row: SendingSettingsColumns): SendingSettings {
  return {
    status: row.status as SenderStatus,
    custom_ratelimit: Boolean(row.custom_ratelimit),
    custom_ratelimit_value: row.custom_ratelimit_value === null ? null : Number(row.custom_ratelimit_value),
    custom_ratelimit_period: row.custom_ratelimit_period,
    custom_ratelimit_seconds:
      row.custom_ratelimit_seconds === null ? null : Number(row.custom_ratelimit_seconds),
    ip_pool: row.ip_pool === null ? null : Number(row.ip_pool),
    feedback_enabled: Boolean(row.feedback_enabled),
    feedback_domain: row.feedback_domain,
    feedback_html: row.feedback_html,
    feedback_text: row.feedback_text,
    open_tracking_enabled: Boolean(row.open_tracking_enabled),
    click_tracking_enabled: Boolean(row.click_tracking_enabled),
    archive_enabled: Boolean(row.archive_enabled),
    audit_email: row.audit_email,
    bounce_notifications: row.bounce_notifications,
  };
}
