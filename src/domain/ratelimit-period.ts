// Parses and canonicalises the custom rate-limit period (SPEC §1.9), so that every way of writing a
// period is stored as a number of seconds and echoed back in the one spelling the API promises.

export interface RatelimitPeriod {
  seconds: number;
  canonical: string;
}

export type RatelimitPeriodResult = { ok: true; period: RatelimitPeriod } | { ok: false; reason: string };

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
// A month is a fixed 30 days so that a period has one length whatever the calendar says.
const MONTH = 30 * DAY;
const MAX_SECONDS = 360 * DAY;

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  hour: HOUR,
  day: DAY,
  week: WEEK,
  month: MONTH,
};

const SYNTAX_HINT = 'must look like "1 hour", "2 days", "4 months 5:00:00" or "0:30:00"';

// Applied to input whose whitespace has been collapsed to single spaces and trimmed. The `i` flag is
// used without `u`, so only ASCII letters fold and no lookalike Unicode letter can spell a unit.
const LEGACY_SECONDS = /^\d+$/;
const UNIT = String.raw`(\d+) ?(hour|day|week|month)s?`;
const HMS = String.raw`(\d+):(\d\d):(\d\d)(?:\.\d+)?`;
// Groups: 1 count, 2 unit, 3-5 the H:MM:SS after a unit, 6-8 a H:MM:SS on its own. The grammar's
// `","? hms` allows the comma even with no unit before it, so ", 1:00:00" is accepted as written.
const PERIOD = new RegExp(`^(?:${UNIT}(?:(?: ?, ?| )${HMS})?|(?:, ?)?${HMS})$`, 'i');

/**
 * Formats a number of whole seconds as whole days plus H:MM:SS, the same way the canonical form does
 * when no month unit is involved: 0 → "0:00:00", 3600 → "1:00:00", 86400 → "1 day",
 * 90000 → "1 day 1:00:00".
 */
export function formatPeriodSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`period seconds must be a non-negative finite number, got ${seconds}`);
  }
  const total = Math.floor(seconds);
  const days = Math.floor(total / DAY);
  const rest = total - days * DAY;
  if (days === 0) return formatHms(rest);
  const dayPart = `${days} ${days === 1 ? 'day' : 'days'}`;
  return rest === 0 ? dayPart : `${dayPart} ${formatHms(rest)}`;
}

/** Hours are not folded into days here: "25:00:00" is a valid way to show the rest after months. */
function formatHms(seconds: number): string {
  const h = Math.floor(seconds / HOUR);
  const m = Math.floor((seconds % HOUR) / MINUTE);
  const s = seconds % MINUTE;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

function quoteFound(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return `'${JSON.stringify(shown).slice(1, -1)}'`;
}

export function parseRatelimitPeriod(input: string): RatelimitPeriodResult {
  const text = input.replace(/\s+/g, ' ').trim();
  const found = `, found ${quoteFound(input)}`;
  const fail = (reason: string): RatelimitPeriodResult => ({ ok: false, reason: reason + found });

  let seconds: number;
  let months: number | null = null;

  if (LEGACY_SECONDS.test(text)) {
    seconds = Number(text);
  } else {
    const match = PERIOD.exec(text);
    // Both halves are optional in the grammar, but at least one has to be there: the regex's two
    // alternatives each demand one, so "" and "," fail here.
    if (match === null) return fail(SYNTAX_HINT);
    const [, count, unit, h1, m1, s1, h2, m2, s2] = match;
    const hh = h1 ?? h2;
    const mm = m1 ?? m2;
    const ss = s1 ?? s2;
    if (Number(mm ?? 0) > 59 || Number(ss ?? 0) > 59)
      return fail('must have minutes and seconds from 00 to 59');
    seconds = 0;
    if (count !== undefined && unit !== undefined) {
      const unitKey = unit.toLowerCase();
      seconds += Number(count) * (UNIT_SECONDS[unitKey] ?? 0);
      if (unitKey === 'month') months = Number(count);
    }
    if (hh !== undefined) seconds += Number(hh) * HOUR + Number(mm) * MINUTE + Number(ss);
  }

  if (seconds < 1) return fail('must be at least 1 second');
  if (seconds > MAX_SECONDS) return fail('must be at most 360 days (12 months)');

  let canonical: string;
  if (months !== null) {
    const rest = seconds - months * MONTH;
    canonical = `${months} ${months === 1 ? 'month' : 'months'}`;
    if (rest !== 0) canonical += ` ${formatHms(rest)}`;
  } else {
    canonical = formatPeriodSeconds(seconds);
  }
  return { ok: true, period: { seconds, canonical } };
}
