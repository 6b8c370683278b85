// The per-sender settings fields (SPEC §1.3) that SMTP users and API keys both carry.
import { Type } from '@sinclair/typebox';
import { Nullable, StringEnum } from './common.js';

const Bool = (description: string) => Type.Optional(Type.Boolean({ description }));

export const SendingSettingsFields = {
  custom_ratelimit: Bool('Enable a custom rate limit (custom_ratelimit_value per custom_ratelimit_period)'),
  custom_ratelimit_value: Type.Optional(
    Nullable(
      Type.Integer({
        description: 'Emails per period, 1 to 2147483647; stored only when custom_ratelimit is true',
      }),
    ),
  ),
  custom_ratelimit_period: Type.Optional(
    Nullable(
      Type.String({
        maxLength: 100,
        description:
          'e.g. "0:30:00", "1 hour", "2 days", "3 months", "4 months 5:00:00"; stored only when custom_ratelimit is true',
      }),
    ),
  ),
  ip_pool: Type.Optional(
    Nullable(Type.Integer({ description: 'Id of a dedicated IP pool (see /v3/dedicated_ips/view)' })),
  ),
  feedback_enabled: Bool('Add the unsubscribe footer'),
  feedback_domain: Type.Optional(Type.String({ maxLength: 253, description: 'Normally "default"' })),
  feedback_html: Type.Optional(
    Type.String({
      maxLength: 100000,
      description: 'Footer HTML; %%UNSUBSCRIBE%% and %%EMAIL%% are substituted',
    }),
  ),
  feedback_text: Type.Optional(
    Type.String({
      maxLength: 100000,
      description: 'Footer text; %%UNSUBSCRIBE%% and %%EMAIL%% are substituted',
    }),
  ),
  open_tracking_enabled: Bool('Add an open-tracking pixel to HTML parts'),
  click_tracking_enabled: Bool('Rewrite links in HTML parts to tracked redirects'),
  archive_enabled: Bool('Keep a copy of each message in the archive'),
  audit_email: Type.Optional(
    Nullable(
      Type.String({
        maxLength: 3000,
        description: 'Comma-separated list of up to 10 addresses that get a BCC copy',
      }),
    ),
  ),
  bounce_notifications: Type.Optional(
    Type.String({ maxLength: 254, description: '"from", "drop", or one email address' }),
  ),
  status: Type.Optional(
    StringEnum(['allowed', 'blocked', 'sandbox'], { description: 'allowed, blocked or sandbox' }),
  ),
};

/** The settings as the API answers them (note `ippool`, not `ip_pool`). */
export const SendingSettingsView = {
  sending_allowed: Type.Boolean(),
  status: Type.String(),
  custom_ratelimit: Type.Boolean(),
  custom_ratelimit_value: Nullable(Type.Integer()),
  custom_ratelimit_period: Type.String(),
  default_ratelimit_value: Type.Integer(),
  default_ratelimit_period: Type.String(),
  ippool: Nullable(Type.Integer()),
  feedback_enabled: Type.Boolean(),
  feedback_domain: Type.String(),
  feedback_html: Type.String(),
  feedback_text: Type.String(),
  open_tracking_enabled: Type.Boolean(),
  click_tracking_enabled: Type.Boolean(),
  archive_enabled: Type.Boolean(),
  audit_email: Nullable(Type.String()),
  bounce_notifications: Type.String(),
};
