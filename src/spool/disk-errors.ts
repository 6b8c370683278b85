// Recognises "the disk is full" in the forms Node's fs and SQLite report it, so the spool can answer
// with SpoolFullError (452 4.3.1, a temporary failure) instead of a generic error.

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

export function isDiskFull(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && DISK_FULL_CODES.has(code);
}
