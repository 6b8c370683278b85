// Message ids for `250 2.0.0 OK id=<id>`: short, URL-safe, unique, and sortable by acceptance time.
import { randomFillSync } from 'node:crypto';

const TIME_WIDTH = 9; // base36 milliseconds: 9 digits last until the year 5188
const RANDOM_WIDTH = 10; // ~51 bits, so ids minted in the same millisecond on one node never meet
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

// Random bytes are drawn in blocks: one crypto call per 256 ids instead of one per id.
const pool = Buffer.alloc(RANDOM_WIDTH * 256);
let poolOffset = pool.length;

/** A new id: 9 base36 digits of Date.now() then 10 random base36 digits, e.g. `m3x0q1b2c4k9d8e7f6a5`. */
export function newMessageId(now: number = Date.now()): string {
  if (poolOffset + RANDOM_WIDTH > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let id = now.toString(36).padStart(TIME_WIDTH, '0');
  for (let i = 0; i < RANDOM_WIDTH; i++) id += ALPHABET[(pool[poolOffset + i] ?? 0) % 36];
  poolOffset += RANDOM_WIDTH;
  return id;
}

/** True for strings shaped like an id from newMessageId (safe to use as a file name). */
export function isMessageId(value: string): boolean {
  return /^[0-9a-z]{19}$/.test(value);
}

/** The acceptance time encoded in an id, in milliseconds since the epoch. */
export function messageIdTime(id: string): number {
  return parseInt(id.slice(0, TIME_WIDTH), 36);
}
