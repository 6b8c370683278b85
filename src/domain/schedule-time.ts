// The `schedule` of email/send and email/batch (SPEC §8): SMTP2GO's `2006-01-02 15:04:05 -0700` form or
// ISO 8601 with a zone, in the future and at most three days ahead. Pure: the caller passes "now".
import { fieldError } from './errors.js';

/** SMTP2GO's limit, and Petrel's: a message is held in the spool three days at most. */
export const MAX_SCHEDULE_AHEAD_MS = 3 * 24 * 60 * 60 * 1000;

const SMTP2GO_FORM = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ?([+-]\d{2}):?(\d{2})$/;
const ISO_FORM =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})$/;

const EXPECTED =
  'must be a time such as "2026-01-01 12:00:00 +1300" (SMTP2GO\'s form) or ' +
  '"2026-01-01T12:00:00+13:00" (ISO 8601, with its zone)';

/** Milliseconds since the epoch, or undefined when the text is neither form or names no real time. */
function parse(text: string): number | undefined {
  const m = SMTP2GO_FORM.exec(text) ?? ISO_FORM.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00'] = m as unknown as string[];
  const isSmtp2go = SMTP2GO_FORM.test(text);
  const fraction = isSmtp2go ? '' : (m[7] ?? '');
  let zone = isSmtp2go ? `${m[7] as string}:${m[8] as string}` : (m[8] as string);
  if (zone === 'z') zone = 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = fraction === '' ? '' : `.${fraction.padEnd(3, '0').slice(0, 3)}`;
  const at = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${zone}`);
  if (Number.isNaN(at)) return undefined;
  // Date.parse rolls 30 February over into March: check the date is a real one.
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  return at;
}

/**
 * The time a message is to be held until, or undefined when `schedule` is absent (null or blank too,
 * as SMTP2GO's clients send). Throws a ValidationError naming `schedule` otherwise.
 */
export function scheduleTime(schedule: string | null | undefined, now: number): number | undefined {
  if (schedule === undefined || schedule === null || schedule.trim() === '') return undefined;
  const text = schedule.trim();
  const at = parse(text);
  if (at === undefined) throw fieldError('schedule', `${EXPECTED}, found '${text.slice(0, 100)}'`);
  if (at <= now) {
    throw fieldError('schedule', `must be in the future, found '${text}' (${new Date(at).toISOString()})`);
  }
  if (at > now + MAX_SCHEDULE_AHEAD_MS) {
    throw fieldError(
      'schedule',
      `must be at most 3 days ahead (until ${new Date(now + MAX_SCHEDULE_AHEAD_MS).toISOString()}), ` +
        `found '${text}' (${new Date(at).toISOString()})`,
    );
  }
  return at;
}
