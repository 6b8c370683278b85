// The start_date/end_date of the search endpoints: ISO 8601 dates or date-times, turned into the
// ISO strings (UTC, milliseconds) that stored dates are written as, so a text comparison orders them.
import { fieldError } from './errors.js';

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

// Four-digit years only: stored dates compare as text, which a sign or a fifth digit would break.
const MIN_TIME = new Date(0).setUTCFullYear(0, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function offsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return zone.startsWith('-') ? -minutes : minutes;
}

/**
 * Milliseconds since the epoch of an ISO 8601 value; UTC when no offset is given. As an end of a range
 * (`end`), the value covers the whole of its last unit: a plain date runs to 23:59:59.999 of that day.
 */
export function parseSearchDate(field: string, value: string, end: boolean): number {
  const m = ISO_8601.exec(value.trim());
  const invalid = () =>
    fieldError(field, `must be an ISO 8601 date or date-time such as 2024-05-01T12:00:00Z, found '${value}'`);
  if (!m) throw invalid();
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((p) =>
    p === undefined ? undefined : Number(p),
  ) as [number, number, number, number?, number?, number?];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw invalid();
  if ((hour ?? 0) > 23 || (minute ?? 0) > 59 || (second ?? 0) > 59) throw invalid();
  const offset = offsetMinutes(m[8]);
  if (Math.abs(offset) > 18 * 60) throw invalid();
  const fraction = m[7] === undefined ? 0 : Math.floor(Number(m[7]) * 1000);
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour ?? 0, (minute ?? 0) - offset, second ?? 0, fraction);
  let time = utc.getTime();
  if (end) {
    const unit =
      hour === undefined ? 86_400_000 : second === undefined ? 60_000 : m[7] === undefined ? 1000 : 1;
    time += unit - 1;
  }
  return Math.min(Math.max(time, MIN_TIME), MAX_TIME);
}

export interface SearchDateRange {
  startDate?: string;
  endDate?: string;
}

/** The range of a search request as stored-date strings; blank values mean "no bound". */
export function searchDateRange(start: string | undefined, end: string | undefined): SearchDateRange {
  const range: SearchDateRange = {};
  const from = start?.trim() ? parseSearchDate('start_date', start, false) : null;
  const to = end?.trim() ? parseSearchDate('end_date', end, true) : null;
  if (from !== null && to !== null && to < from) {
    throw fieldError('end_date', `must not be before start_date, found '${end}'`);
  }
  if (from !== null) range.startDate = new Date(from).toISOString();
  if (to !== null) range.endDate = new Date(to).toISOString();
  return range;
}
