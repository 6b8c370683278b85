// SMTP user names (SPEC §1.3): the shape rule, and the case-folded key that keeps them unique across
// the installation, since SMTP AUTH carries no account to tell two "Acme" logins apart.

export const USERNAME_MIN = 5;
export const USERNAME_MAX = 100;
export const USERNAME_PATTERN = /^[A-Za-z0-9._@+-]+$/;

const ALLOWED_CHAR = /^[A-Za-z0-9._@+-]$/;

/** Returns null when the username is acceptable, otherwise the message (the caller names the field). */
export function checkUsername(u: string): string | null {
  // Length is counted in code points so an emoji counts as the one character the user sees.
  let length = 0;
  let offending: string | null = null;
  for (const ch of u) {
    length++;
    if (offending === null && !ALLOWED_CHAR.test(ch)) offending = ch;
  }
  if (length < USERNAME_MIN || length > USERNAME_MAX) {
    return `must be ${USERNAME_MIN} to ${USERNAME_MAX} characters long, found ${length}`;
  }
  if (offending !== null) {
    // JSON escaping keeps tabs, newlines and lone surrogates visible and harmless in logs and JSON.
    return `may contain only letters, digits and . _ @ + -, found '${JSON.stringify(offending).slice(1, -1)}'`;
  }
  return null;
}

/**
 * The uniqueness and login key. Only ASCII letters are folded: full Unicode lowercasing would map
 * e.g. the Kelvin sign to "k", letting an unvalidated SMTP AUTH name alias a real user's key.
 */
export function normaliseUsername(u: string): string {
  return u.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
