// A key never hands out more than it holds (SPEC §10): the sending settings an API key gives the keys it
// creates or edits are bounded by its own — status no less strict, a rate limit no faster, and every
// audit address it is under kept. A looser value asked for explicitly is refused naming the field (not
// silently clamped: a client that asked for `allowed` and quietly got `sandbox` would think mail is
// leaving); a field left out of `add` inherits the bound.
import { fieldError } from './errors.js';
import type { SenderStatus, SendingSettings, SendingSettingsInput } from './sending-settings.js';

/** Higher is stricter. */
const STRICTNESS: Record<SenderStatus, number> = { allowed: 0, sandbox: 1, blocked: 2 };

const auditAddresses = (s: SendingSettings): string[] =>
  s.audit_email === null ? [] : s.audit_email.split(',').map((a) => a.toLowerCase());

/** The settings a new key starts from when `bound` creates it: `base` made as strict as `bound`. */
export function inheritBounds(base: SendingSettings, bound: SendingSettings): SendingSettings {
  const next = { ...base };
  if (STRICTNESS[bound.status] > STRICTNESS[next.status]) next.status = bound.status;
  if (bound.custom_ratelimit && !next.custom_ratelimit) {
    next.custom_ratelimit = true;
    next.custom_ratelimit_value = bound.custom_ratelimit_value;
    next.custom_ratelimit_period = bound.custom_ratelimit_period;
    next.custom_ratelimit_seconds = bound.custom_ratelimit_seconds;
  }
  const audit = [...new Set([...auditAddresses(next), ...auditAddresses(bound)])];
  next.audit_email = audit.length > 0 ? audit.join(',') : null;
  return next;
}

/** Which groups of fields a request sets (edit checks only what it changes). */
export interface TouchedFields {
  status: boolean;
  rate: boolean;
  audit: boolean;
}

export function touchedFields(input: SendingSettingsInput): TouchedFields {
  return {
    status: input.status !== undefined,
    rate:
      input.custom_ratelimit !== undefined ||
      input.custom_ratelimit_value !== undefined ||
      input.custom_ratelimit_period !== undefined,
    audit: input.audit_email !== undefined,
  };
}

/** Throws the 400 of the first field in which `next` is looser than `bound`. */
export function checkWithinBounds(
  next: SendingSettings,
  bound: SendingSettings,
  touched: TouchedFields,
  input: SendingSettingsInput,
): void {
  const held = 'than the calling API key holds';
  if (touched.status && STRICTNESS[next.status] < STRICTNESS[bound.status]) {
    throw fieldError(
      'status',
      `may not be '${next.status}', which is less restricted ${held} ('${bound.status}')`,
    );
  }
  if (touched.rate && bound.custom_ratelimit) {
    const limit = `${bound.custom_ratelimit_value} per ${bound.custom_ratelimit_period}`;
    if (!next.custom_ratelimit) {
      throw fieldError('custom_ratelimit', `may not be false: the calling API key is limited to ${limit}`);
    }
    const [nValue, nSeconds] = [next.custom_ratelimit_value ?? 0, next.custom_ratelimit_seconds ?? 0];
    const [bValue, bSeconds] = [bound.custom_ratelimit_value ?? 0, bound.custom_ratelimit_seconds ?? 0];
    if (nValue > bValue) {
      throw fieldError(
        'custom_ratelimit_value',
        `may be at most ${bValue} (the calling API key's limit is ${limit}), found ${nValue}`,
      );
    }
    // The same or fewer recipients, but over a shorter period, is still a faster rate.
    if (nValue * bSeconds > bValue * nSeconds) {
      const field =
        input.custom_ratelimit_period !== undefined ? 'custom_ratelimit_period' : 'custom_ratelimit_value';
      throw fieldError(
        field,
        `gives ${nValue} per ${next.custom_ratelimit_period}, a faster rate than the calling API key's ${limit}`,
      );
    }
  }
  if (touched.audit) {
    const kept = new Set(auditAddresses(next));
    const missing = auditAddresses(bound).filter((a) => !kept.has(a));
    if (missing.length > 0) {
      throw fieldError(
        'audit_email',
        `must keep the audit addresses the calling API key is under (missing: ${missing.join(', ')})`,
      );
    }
  }
}
