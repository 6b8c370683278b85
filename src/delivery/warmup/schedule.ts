// IP warm-up schedules (SPEC §9) as pure rules: which day of its warm-up an address is on, and how many
// messages that day allows.

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Day 1 is the first 24 hours from the address's first use, day 2 the next 24, and so on. */
export function warmupDay(firstUsedAt: number, now: number): number {
  return Math.max(0, Math.floor((now - firstUsedAt) / DAY_MS)) + 1;
}

/** Messages allowed on `day`; null once the schedule has run out (no limit any more). */
export function dailyLimit(schedule: readonly number[], day: number): number | null {
  return day <= schedule.length ? (schedule[day - 1] as number) : null;
}

/** When the address's next day begins (its share is counted afresh then). */
export function nextDayAt(firstUsedAt: number, now: number): number {
  return firstUsedAt + warmupDay(firstUsedAt, now) * DAY_MS;
}
