// Parsers of the webhook settings (PETREL_WEBHOOK_*), kept beside the feature they configure.
import type { Parse } from '../config/parsers.js';
import { asString } from '../config/parsers.js';
import { ConfigError } from '../config/types.js';
import { parseRetrySchedule, PRODUCTION_RETRY_SCHEDULE, type RetrySchedule } from './retry-schedule.js';

export const trueOrFalse: Parse<boolean> = (raw, name) => {
  if (typeof raw === 'boolean') return raw;
  const s = asString(raw, name).toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0' || s === '') return false;
  throw new ConfigError(name, `must be true or false, found '${s}'`);
};

export const retrySchedule: Parse<RetrySchedule> = (raw, name) => {
  try {
    return parseRetrySchedule(asString(raw, name));
  } catch (err) {
    throw new ConfigError(name, (err as Error).message);
  }
};

export const defaultRetrySchedule = (): RetrySchedule => ({
  ...PRODUCTION_RETRY_SCHEDULE,
  delays: [...PRODUCTION_RETRY_SCHEDULE.delays],
});
