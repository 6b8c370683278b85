// The options of `petrel user add|edit`, one per API field (kebab-case), and how their values become
// the very body the API would receive: booleans as JSON booleans, numbers as JSON numbers. A value that
// is not a number is passed on as text, so the API's validator words the error exactly as the API does.
import { Option, type Command } from 'commander';

type Kind = 'text' | 'number' | 'flag';

interface FieldOption {
  /** The long flag without dashes; a flag also gets its --no- form. */
  flag: string;
  /** The API field it sets. */
  field: string;
  kind: Kind;
  /** The argument's name in --help. */
  arg?: string;
  /** "none" stands for null (e.g. no IP pool). */
  nullable?: boolean;
  help: string;
}

const FIELD_OPTIONS: FieldOption[] = [
  {
    flag: 'password',
    field: 'email_password',
    kind: 'text',
    arg: 'password',
    help: 'the SMTP password, at least 64 bits of entropy (add: generated when left out)',
  },
  { flag: 'description', field: 'description', kind: 'text', arg: 'text', help: 'at most 1000 characters' },
  {
    flag: 'custom-ratelimit',
    field: 'custom_ratelimit',
    kind: 'flag',
    help: 'turn the custom rate limit on or off (--no-custom-ratelimit clears value and period)',
  },
  {
    flag: 'custom-ratelimit-value',
    field: 'custom_ratelimit_value',
    kind: 'number',
    arg: 'n',
    help: 'emails per period, 1 to 2147483647 (turns the custom rate limit on)',
  },
  {
    flag: 'custom-ratelimit-period',
    field: 'custom_ratelimit_period',
    kind: 'text',
    arg: 'period',
    help: 'e.g. "0:30:00", "1 hour", "2 days", "3 months" (turns the custom rate limit on)',
  },
  {
    flag: 'ip-pool',
    field: 'ip_pool',
    kind: 'number',
    arg: 'id',
    nullable: true,
    help: 'id of a dedicated IP pool this account may use, or "none"',
  },
  { flag: 'feedback-enabled', field: 'feedback_enabled', kind: 'flag', help: 'add the unsubscribe footer' },
  {
    flag: 'feedback-domain',
    field: 'feedback_domain',
    kind: 'text',
    arg: 'domain',
    help: 'normally "default"',
  },
  {
    flag: 'feedback-html',
    field: 'feedback_html',
    kind: 'text',
    arg: 'html',
    help: 'footer HTML; %%UNSUBSCRIBE%% and %%EMAIL%% are substituted (blank: built-in footer)',
  },
  {
    flag: 'feedback-text',
    field: 'feedback_text',
    kind: 'text',
    arg: 'text',
    help: 'footer text; %%UNSUBSCRIBE%% and %%EMAIL%% are substituted (blank: built-in footer)',
  },
  {
    flag: 'open-tracking',
    field: 'open_tracking_enabled',
    kind: 'flag',
    help: 'add an open-tracking pixel to HTML parts',
  },
  {
    flag: 'click-tracking',
    field: 'click_tracking_enabled',
    kind: 'flag',
    help: 'rewrite links in HTML parts to tracked redirects',
  },
  { flag: 'archive', field: 'archive_enabled', kind: 'flag', help: 'keep a copy of each message' },
  {
    flag: 'audit-email',
    field: 'audit_email',
    kind: 'text',
    arg: 'addresses',
    help: 'comma-separated list of up to 10 addresses that get a BCC copy ("" clears it)',
  },
  {
    flag: 'bounce-notifications',
    field: 'bounce_notifications',
    kind: 'text',
    arg: 'where',
    help: '"from", "drop" or one email address',
  },
  { flag: 'status', field: 'status', kind: 'text', arg: 'status', help: '"allowed", "blocked" or "sandbox"' },
];

/** Commander's name for a flag's value: "ip-pool" → "ipPool". */
function attributeOf(flag: string): string {
  return new Option(`--${flag}`).attributeName();
}

/** Adds every field option to `command`. */
export function addFieldOptions(command: Command): Command {
  for (const o of FIELD_OPTIONS) {
    if (o.kind === 'flag') {
      command.addOption(new Option(`--${o.flag}`, `${o.help} (${o.field})`));
      command.addOption(new Option(`--no-${o.flag}`, `the opposite of --${o.flag}`));
    } else {
      command.addOption(new Option(`--${o.flag} <${o.arg ?? 'value'}>`, `${o.help} (${o.field})`));
    }
  }
  return command;
}

const JSON_NUMBER = /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/;

/** "12" → 12; anything else stays text, for the validator to refuse in the API's words. */
export function numberOrText(raw: string): number | string {
  return JSON_NUMBER.test(raw) ? Number(raw) : raw;
}

/** The body fields the given options set; options left out are left out, so edit keeps stored values. */
export function fieldsFromOptions(options: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const o of FIELD_OPTIONS) {
    const value = options[attributeOf(o.flag)];
    if (value === undefined) continue;
    if (o.kind !== 'number' || typeof value !== 'string') body[o.field] = value;
    else if (o.nullable && value.trim().toLowerCase() === 'none') body[o.field] = null;
    else body[o.field] = numberOrText(value);
  }
  const limitGiven = body.custom_ratelimit_value !== undefined || body.custom_ratelimit_period !== undefined;
  if (limitGiven && body.custom_ratelimit === undefined) body.custom_ratelimit = true;
  return body;
}
