// SMTP user passwords: the entropy estimate and acceptance rules of SPEC §1.8, and the generator used
// when the client leaves email_password blank.
import { randomInt } from 'node:crypto';

const MIN_ENTROPY_BITS = 64;
// scrypt/argon2 cost grows with input length; an unbounded password is a cheap way to burn CPU.
const MAX_PASSWORD_LENGTH = 1000;

const POOL_LOWER = 26;
const POOL_UPPER = 26;
const POOL_DIGIT = 10;
const POOL_ASCII_SYMBOL = 33;
const POOL_NON_ASCII = 100;

const GENERATED_LENGTH = 24;
const GENERATED_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * length (in code points) × log2(sum of the character classes present). ASCII control characters
 * (0x00–0x1F, 0x7F) are counted in the 33-strong symbol class: the spec names only printable symbols,
 * and giving them a class of their own would let a password score higher by adding unprintable bytes.
 */
export function estimatePasswordEntropyBits(password: string): number {
  let lower = false;
  let upper = false;
  let digit = false;
  let symbol = false;
  let nonAscii = false;
  let length = 0;
  for (const ch of password) {
    length++;
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x61 && cp <= 0x7a) lower = true;
    else if (cp >= 0x41 && cp <= 0x5a) upper = true;
    else if (cp >= 0x30 && cp <= 0x39) digit = true;
    else if (cp <= 0x7f) symbol = true;
    else nonAscii = true;
  }
  const pool =
    (lower ? POOL_LOWER : 0) +
    (upper ? POOL_UPPER : 0) +
    (digit ? POOL_DIGIT : 0) +
    (symbol ? POOL_ASCII_SYMBOL : 0) +
    (nonAscii ? POOL_NON_ASCII : 0);
  return length === 0 ? 0 : length * Math.log2(pool);
}

/** Returns null when the client-chosen password is acceptable, otherwise the message to show. */
export function checkChosenPassword(password: string, username: string): string | null {
  // Checked first so a huge input is turned away before any per-character work on it.
  const length = countCodePoints(password);
  if (length > MAX_PASSWORD_LENGTH) {
    return `email_password must be at most ${MAX_PASSWORD_LENGTH} characters long, found ${length}`;
  }
  const bits = estimatePasswordEntropyBits(password);
  if (bits < MIN_ENTROPY_BITS) {
    return `email_password has an estimated ${Math.round(bits)} bits of entropy; at least ${MIN_ENTROPY_BITS} are required`;
  }
  // An empty username would be "contained" in every password; the username rule rejects it anyway.
  if (username !== '' && password.toLowerCase().includes(username.toLowerCase())) {
    return 'email_password must not contain the username';
  }
  return null;
}

function countCodePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** 24 characters from A-Z a-z 0-9 (about 142.9 bits); randomInt is a CSPRNG without modulo bias. */
export function generatePassword(): string {
  let out = '';
  for (let i = 0; i < GENERATED_LENGTH; i++) {
    out += GENERATED_ALPHABET.charAt(randomInt(GENERATED_ALPHABET.length));
  }
  return out;
}
