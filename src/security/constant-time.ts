// Comparing a presented secret (a bearer token) with the configured one without leaking, through the
// time taken, how many leading characters were right or how long the secret is.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * True when `presented` equals `expected`. Both are hashed first, so the comparison always covers 32
 * bytes whatever the lengths (timingSafeEqual itself refuses buffers of different lengths).
 */
export function tokensEqual(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}
