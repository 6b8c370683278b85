// When to try a deferred recipient again (SPEC §3.3): exponential back-off from about a minute to at most
// an hour between tries, until the message is too old, then give up (the caller bounces it). Pure.
import { ConfigError, type Config } from '../config/settings.js';

export interface RetryPolicy {
  /** Delay after the first failed attempt. */
  firstDelayMs: number;
  /** Each further failure multiplies the delay by this. */
  factor: number;
  /** The delay never grows beyond this. */
  maxDelayMs: number;
  /** Counted from the message's arrival: once it is this old, give up. */
  maxAgeMs: number;
  /**
   * Spread, as a fraction of the delay, drawn at random either side (0.1 → ±10 %). Keeps a burst of
   * messages deferred together from coming back together.
   */
  jitter: number;
}

const MINUTE = 60_000;

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  firstDelayMs: MINUTE,
  factor: 2,
  maxDelayMs: 60 * MINUTE,
  maxAgeMs: 3 * 24 * 60 * MINUTE,
  jitter: 0.1,
};

export type RetryDecision = { kind: 'retry'; at: number } | { kind: 'give-up' };

export interface AttemptHistory {
  /** When the message was accepted (ms since the epoch). */
  arrivedAt: number;
  /** Failed attempts so far, including the one just made (≥ 1). */
  failedAttempts: number;
  /** Now (ms since the epoch). */
  now: number;
}

/** The un-jittered delay after `failedAttempts` failures. */
export function backoffDelay(policy: RetryPolicy, failedAttempts: number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  // Computed in steps so a large attempt count saturates at the cap instead of overflowing to Infinity.
  let delay = policy.firstDelayMs;
  for (let i = 0; i < exponent && delay < policy.maxDelayMs; i++) delay *= policy.factor;
  return Math.min(delay, policy.maxDelayMs);
}

/**
 * The next attempt time, or give up once the message has reached its maximum age. The last retry is
 * pulled in to the moment the message expires, so a message always gets a try at the very end.
 * `random` returns a number in [0, 1); pass a fixed one in tests.
 */
export function nextAttempt(
  policy: RetryPolicy,
  history: AttemptHistory,
  random: () => number = Math.random,
): RetryDecision {
  const expiresAt = history.arrivedAt + policy.maxAgeMs;
  if (history.now >= expiresAt) return { kind: 'give-up' };
  const base = backoffDelay(policy, history.failedAttempts);
  const spread = base * policy.jitter * (2 * random() - 1);
  const delay = Math.min(policy.maxDelayMs, Math.max(0, Math.round(base + spread)));
  return { kind: 'retry', at: Math.min(history.now + delay, expiresAt) };
}

/** Checks a policy (e.g. one built from configuration) and says what is wrong, or null. */
export function checkRetryPolicy(policy: RetryPolicy): string | null {
  if (!(policy.firstDelayMs > 0)) return 'firstDelayMs must be positive';
  if (!(policy.factor >= 1)) return 'factor must be at least 1';
  if (!(policy.maxDelayMs >= policy.firstDelayMs)) return 'maxDelayMs must be at least firstDelayMs';
  if (!(policy.maxAgeMs > 0)) return 'maxAgeMs must be positive';
  if (!(policy.jitter >= 0 && policy.jitter < 1)) return 'jitter must be in [0, 1)';
  return null;
}

/** The policy the node's settings describe (PETREL_RETRY_*); a contradiction stops start-up. */
export function retryPolicyFromConfig(
  config: Pick<Config, 'retryFirstDelaySeconds' | 'retryMaxDelaySeconds' | 'retryMaxAgeSeconds'>,
): RetryPolicy {
  const policy: RetryPolicy = {
    ...DEFAULT_RETRY_POLICY,
    firstDelayMs: Math.round(config.retryFirstDelaySeconds * 1000),
    maxDelayMs: Math.round(config.retryMaxDelaySeconds * 1000),
    maxAgeMs: Math.round(config.retryMaxAgeSeconds * 1000),
  };
  if (policy.maxDelayMs < policy.firstDelayMs) {
    throw new ConfigError(
      'PETREL_RETRY_MAX_DELAY_SECONDS',
      'must be at least PETREL_RETRY_FIRST_DELAY_SECONDS',
    );
  }
  return policy;
}
