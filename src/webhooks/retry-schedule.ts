// When a failed webhook call is tried again (SPEC §7): first retry within 30 s, quick at first, then
// every two hours, for 48 hours since the call was made (32 tries in all); then it is given up.
// The schedule is data, so tests and operators can pass a shorter one (PETREL_WEBHOOK_RETRY_SCHEDULE).

export interface RetrySchedule {
  /** Seconds to wait after the n-th failed try (index 0: after the first); the last entry repeats. */
  delays: number[];
  /** A call older than this many seconds gets no further try. */
  maxAgeSeconds: number;
}

const MIN = 60;
const HOUR = 3600;

export const PRODUCTION_RETRY_SCHEDULE: RetrySchedule = {
  delays: [15, 30, MIN, 2 * MIN, 5 * MIN, 10 * MIN, 20 * MIN, 30 * MIN, HOUR, HOUR, 2 * HOUR],
  maxAgeSeconds: 48 * HOUR,
};

/**
 * The time (epoch ms) of the next try after `failedTries` failures of a call created at `createdAt`,
 * or null when the call is to be given up.
 */
export function nextAttemptAt(
  schedule: RetrySchedule,
  createdAt: number,
  failedTries: number,
  now: number,
): number | null {
  const delays = schedule.delays;
  const delay = delays[Math.min(failedTries - 1, delays.length - 1)] ?? 0;
  const next = now + delay * 1000;
  return next - createdAt > schedule.maxAgeSeconds * 1000 ? null : next;
}

/** `15,30,60` or `15,30,60/3600` (delays, then the maximum age) → a schedule. */
export function parseRetrySchedule(text: string): RetrySchedule {
  const [list, age] = text.split('/');
  const delays = (list ?? '').split(',').map((s) => Number(s.trim()));
  if (delays.length === 0 || delays.some((d) => !Number.isFinite(d) || d < 0))
    throw new Error(`must be comma-separated seconds (optionally /max-age-seconds), found '${text}'`);
  const maxAgeSeconds = age === undefined ? PRODUCTION_RETRY_SCHEDULE.maxAgeSeconds : Number(age);
  if (!Number.isFinite(maxAgeSeconds) || maxAgeSeconds <= 0)
    throw new Error(`has a bad maximum age after '/', found '${text}'`);
  return { delays, maxAgeSeconds };
}
