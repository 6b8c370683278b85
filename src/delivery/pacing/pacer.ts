// The per-node pacing of destinations (SPEC §9): messages started per destination rule, spread evenly
// and never more than the rule's number in a rolling 60-second window, and adaptive slow-downs after "rate limited" replies (halve the rate, recover
// gradually). The worker asks before starting a delivery; the outbound side reports throttling.
import { findRule, type DestinationRule } from './rules.js';

const WINDOW_MS = 60_000;
/** A slowed destination without a configured rate is paced from this rate down. */
export const SLOWDOWN_BASE_PER_MINUTE = 60;
/** Each throttle reply halves the rate, down to this share of it. */
const MIN_FACTOR = 1 / 16;
/** Without a new throttle reply, the rate doubles back every this long until it is whole again. */
export const RECOVERY_STEP_MS = 2 * 60_000;

export interface SlowDown {
  /** The rule's match, or the recipient domain when no rule applies. */
  destination: string;
  /** Share of the normal rate now allowed (0.5 after one throttle reply, 0.25 after two…). */
  factor: number;
  /** Messages per minute now allowed. */
  messagesPerMinute: number;
  since: number;
  lastReply: string;
}

interface Slowed {
  factor: number;
  since: number;
  /** When the factor last changed (down or up). */
  changedAt: number;
  lastReply: string;
}

export interface PacerOptions {
  rules: readonly DestinationRule[];
  builtIn?: readonly DestinationRule[];
  now?: () => number;
  /** Told whenever the set of slow-downs changes (to persist them where the CLI reads them). */
  onSlowDownsChange?: (list: (SlowDown & { changedAt: number })[]) => void;
}

export class Pacer {
  private readonly starts = new Map<string, number[]>();
  private readonly slowed = new Map<string, Slowed>();
  /** MX host names last seen per domain, so that `mx:` rules apply before the next resolution. */
  private readonly mxOf = new Map<string, string[]>();
  private readonly now: () => number;

  constructor(private readonly options: PacerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The rule for a domain; MX host names, when given, are remembered for later calls. */
  ruleFor(domain: string, mxHosts?: readonly string[]): DestinationRule | null {
    if (mxHosts) this.mxOf.set(domain, [...mxHosts]);
    return findRule(this.options.rules, domain, this.mxOf.get(domain) ?? [], this.options.builtIn);
  }

  /** The key limits are counted under: the rule (several domains may share it) or the domain. */
  keyFor(domain: string): string {
    return this.ruleFor(domain)?.match ?? domain;
  }

  /**
   * Milliseconds before a message to the domain may start (0: now). When 0, the start is counted: the
   * caller must then start the delivery.
   */
  reserve(domain: string): number {
    const key = this.keyFor(domain);
    const limit = this.limitFor(key, this.ruleFor(domain));
    if (limit === null) return 0;
    const now = this.now();
    const list = (this.starts.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    this.starts.set(key, list);
    // Starts are spread evenly (one per 60 s / limit), as providers expect a steady rate rather than a
    // minute's worth at once; the window then keeps any 60 seconds at the limit exactly.
    const last = list[list.length - 1];
    const spacing = WINDOW_MS / limit;
    const untilSpaced = last === undefined ? 0 : last + spacing - now;
    const untilWindow = list.length < limit ? 0 : (list[list.length - limit] as number) + WINDOW_MS - now;
    const wait = Math.max(untilSpaced, untilWindow);
    if (wait <= 0) {
      list.push(now);
      return 0;
    }
    return Math.max(1, Math.ceil(wait));
  }

  /** A throttle reply from a destination: halve its rate (again). */
  slowDown(domain: string, reply: string): void {
    const key = this.keyFor(domain);
    const now = this.now();
    const current = this.current(key, now);
    const factor = Math.max(MIN_FACTOR, (current?.factor ?? 1) / 2);
    this.slowed.set(key, { factor, since: current?.since ?? now, changedAt: now, lastReply: reply });
    this.changed();
  }

  /** The destinations slowed down now, most slowed first. */
  slowDowns(): SlowDown[] {
    const now = this.now();
    const out: SlowDown[] = [];
    for (const key of [...this.slowed.keys()]) {
      const s = this.current(key, now);
      if (!s) continue;
      const base = this.baseRate(key);
      out.push({
        destination: key,
        factor: s.factor,
        messagesPerMinute: Math.max(1, Math.floor(base * s.factor)),
        since: s.since,
        lastReply: s.lastReply,
      });
    }
    return out.sort((a, b) => a.factor - b.factor);
  }

  private limitFor(key: string, rule: DestinationRule | null): number | null {
    const s = this.current(key, this.now());
    const base = rule?.messages_per_minute ?? (s ? SLOWDOWN_BASE_PER_MINUTE : null);
    if (base === null) return null;
    return Math.max(1, Math.floor(base * (s?.factor ?? 1)));
  }

  private baseRate(key: string): number {
    const rule = [...this.options.rules, ...(this.options.builtIn ?? [])].find((r) => r.match === key);
    return rule?.messages_per_minute ?? SLOWDOWN_BASE_PER_MINUTE;
  }

  /** The slow-down of a key after recovery so far; gone once the rate is whole again. */
  private current(key: string, now: number): Slowed | null {
    const s = this.slowed.get(key);
    if (!s) return null;
    const steps = Math.floor((now - s.changedAt) / RECOVERY_STEP_MS);
    if (steps === 0) return s;
    const factor = s.factor * 2 ** steps;
    if (factor >= 1) {
      this.slowed.delete(key);
      this.changed();
      return null;
    }
    const next = { ...s, factor, changedAt: s.changedAt + steps * RECOVERY_STEP_MS };
    this.slowed.set(key, next);
    this.changed();
    return next;
  }

  private changed(): void {
    this.options.onSlowDownsChange?.(this.listWithoutRecovery());
  }

  private listWithoutRecovery(): (SlowDown & { changedAt: number })[] {
    return [...this.slowed.entries()].map(([key, s]) => ({
      changedAt: s.changedAt,
      destination: key,
      factor: s.factor,
      messagesPerMinute: Math.max(1, Math.floor(this.baseRate(key) * s.factor)),
      since: s.since,
      lastReply: s.lastReply,
    }));
  }
}
