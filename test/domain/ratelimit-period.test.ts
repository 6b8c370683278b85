import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatPeriodSeconds, parseRatelimitPeriod } from '../../src/domain/ratelimit-period.js';

const DAY = 86400;

// [input, seconds, canonical]
const valid: [string, number, string][] = [
  // SPEC §1.9 valid examples
  ['0:30:00', 1800, '0:30:00'],
  ['1 hour', 3600, '1:00:00'],
  ['2 days', 2 * DAY, '2 days'],
  ['3 months', 90 * DAY, '3 months'],
  ['4 months 5:00:00', 120 * DAY + 5 * 3600, '4 months 5:00:00'],
  ['1 day, 23:00:00', DAY + 23 * 3600, '1 day 23:00:00'],
  ['3600', 3600, '1:00:00'],
  // SPEC §1.9 canonical examples
  ['25 hours', 25 * 3600, '1 day 1:00:00'],
  ['2 weeks', 14 * DAY, '14 days'],
  ['86400', DAY, '1 day'],
  ['36:00:00', 36 * 3600, '1 day 12:00:00'],
  // edge cases
  ['0 days 0:00:01', 1, '0:00:01'],
  ['1 hours', 3600, '1:00:00'],
  ['1 HOUR', 3600, '1:00:00'],
  ['1 Month', 30 * DAY, '1 month'],
  ['2 months', 60 * DAY, '2 months'],
  ['12 months', 360 * DAY, '12 months'],
  ['1 month 25:00:00', 30 * DAY + 25 * 3600, '1 month 25:00:00'],
  ['  2   days  ', 2 * DAY, '2 days'],
  ['\t1 day\n', DAY, '1 day'],
  ['1 day,23:00:00', DAY + 23 * 3600, '1 day 23:00:00'],
  ['1 day ,  23:00:00', DAY + 23 * 3600, '1 day 23:00:00'],
  ['1 day 0:00:00', DAY, '1 day'],
  ['1day', DAY, '1 day'],
  ['00:30:00', 1800, '0:30:00'],
  ['0:30:00.999', 1800, '0:30:00'],
  ['0:00:01.5', 1, '0:00:01'],
  ['1', 1, '0:00:01'],
  ['  60  ', 60, '0:01:00'],
  ['360 days', 360 * DAY, '360 days'],
  ['51 weeks', 357 * DAY, '357 days'],
  ['31104000', 360 * DAY, '360 days'],
  ['8640:00:00', 360 * DAY, '360 days'],
  ['1 hour 0:30:00', 5400, '1:30:00'],
  ['1 day 1:00:00', DAY + 3600, '1 day 1:00:00'],
  ['007 days', 7 * DAY, '7 days'],
  // the grammar's `","? hms` permits the comma without a preceding unit
  [', 1:00:00', 3600, '1:00:00'],
];

const invalid: [string, RegExp][] = [
  // SPEC §1.9 invalid examples
  ['', /must look like/],
  ['1 fortnight', /must look like/],
  ['-1 day', /must look like/],
  ['1:60:00', /must have minutes and seconds from 00 to 59/],
  ['0:00:00', /must be at least 1 second/],
  ['13 months', /must be at most 360 days \(12 months\)/],
  // edge cases
  ['   ', /must look like/],
  [',', /must look like/],
  ['1 day,', /must look like/],
  ['1.5 hours', /must look like/],
  ['1:00', /must look like/],
  ['1:0:00', /must look like/],
  ['1 : 00 : 00', /must look like/],
  ['0:00:60', /must have minutes and seconds from 00 to 59/],
  ['0:99:00', /must have minutes and seconds from 00 to 59/],
  ['0', /must be at least 1 second/],
  ['0 days', /must be at least 1 second/],
  ['0:00:00.9', /must be at least 1 second/],
  ['361 days', /must be at most 360 days/],
  ['52 weeks', /must be at most 360 days/],
  ['31104001', /must be at most 360 days/],
  ['12 months 0:00:01', /must be at most 360 days/],
  ['99999999999999999999999 days', /must be at most 360 days/],
  ['+5', /must look like/],
  ['1e3', /must look like/],
  ['hour', /must look like/],
  ['1 hour 2 days', /must look like/],
  ['1 day 1 hour', /must look like/],
  ['1 hourly', /must look like/],
  ['0:30:00 1 day', /must look like/],
  ['1:00:00.', /must look like/],
  ['unlimited', /must look like/],
  ['１ day', /must look like/], // fullwidth digit
];

describe('parseRatelimitPeriod', () => {
  for (const [input, seconds, canonical] of valid) {
    it(`accepts ${JSON.stringify(input)} as ${seconds}s, canonical ${JSON.stringify(canonical)}`, () => {
      assert.deepEqual(parseRatelimitPeriod(input), { ok: true, period: { seconds, canonical } });
    });
  }

  for (const [input, reason] of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      const result = parseRatelimitPeriod(input);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, reason);
    });
  }

  it('canonical output parses back to itself', () => {
    for (const [input] of valid) {
      const first = parseRatelimitPeriod(input);
      assert.ok(first.ok);
      const again = parseRatelimitPeriod(first.period.canonical);
      assert.deepEqual(again, first);
    }
  });

  it('gives the exact syntax hint and shows what was found', () => {
    assert.deepEqual(parseRatelimitPeriod('1 fortnight'), {
      ok: false,
      reason: `must look like "1 hour", "2 days", "4 months 5:00:00" or "0:30:00", found '1 fortnight'`,
    });
    assert.deepEqual(parseRatelimitPeriod('13 months'), {
      ok: false,
      reason: `must be at most 360 days (12 months), found '13 months'`,
    });
  });

  it('escapes control characters in the message', () => {
    const result = parseRatelimitPeriod('1\nfortnight\u0000');
    assert.ok(!result.ok);
    assert.ok(result.reason.endsWith(`found '1\\nfortnight\\u0000'`));
  });
});

describe('formatPeriodSeconds', () => {
  const cases: [number, string][] = [
    [0, '0:00:00'],
    [1, '0:00:01'],
    [59, '0:00:59'],
    [3600, '1:00:00'],
    [3661, '1:01:01'],
    [DAY - 1, '23:59:59'],
    [DAY, '1 day'],
    [DAY + 1, '1 day 0:00:01'],
    [2 * DAY, '2 days'],
    [2 * DAY + 12 * 3600, '2 days 12:00:00'],
    [360 * DAY, '360 days'],
  ];
  for (const [seconds, text] of cases) {
    it(`formats ${seconds} as ${JSON.stringify(text)}`, () => {
      assert.equal(formatPeriodSeconds(seconds), text);
    });
  }

  it('refuses negative and non-finite input', () => {
    assert.throws(() => formatPeriodSeconds(-1), RangeError);
    assert.throws(() => formatPeriodSeconds(Number.NaN), RangeError);
    assert.throws(() => formatPeriodSeconds(Number.POSITIVE_INFINITY), RangeError);
  });
});
