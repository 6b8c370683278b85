// SQLite result codes by name. node:sqlite reports a failure as ERR_SQLITE_ERROR with the numeric
// (extended) code in `errcode`; better-sqlite3 puts the name in `code`. Petrel's checks (a unique
// violation, a full disk) read `code`, so the node:sqlite adapter sets it from this table.

const PRIMARY = [
  'OK',
  'ERROR',
  'INTERNAL',
  'PERM',
  'ABORT',
  'BUSY',
  'LOCKED',
  'NOMEM',
  'READONLY',
  'INTERRUPT',
  'IOERR',
  'CORRUPT',
  'NOTFOUND',
  'FULL',
  'CANTOPEN',
  'PROTOCOL',
  'EMPTY',
  'SCHEMA',
  'TOOBIG',
  'CONSTRAINT',
  'MISMATCH',
  'MISUSE',
  'NOLFS',
  'AUTH',
  'FORMAT',
  'RANGE',
  'NOTADB',
  'NOTICE',
  'WARNING',
];

// Extended codes are primary | (n << 8); only the ones a caller may tell apart are named.
const EXTENDED: Record<number, string> = {
  261: 'BUSY_RECOVERY',
  517: 'BUSY_SNAPSHOT',
  773: 'BUSY_TIMEOUT',
  275: 'CONSTRAINT_CHECK',
  787: 'CONSTRAINT_FOREIGNKEY',
  1299: 'CONSTRAINT_NOTNULL',
  1555: 'CONSTRAINT_PRIMARYKEY',
  1811: 'CONSTRAINT_TRIGGER',
  2067: 'CONSTRAINT_UNIQUE',
  2579: 'CONSTRAINT_ROWID',
  3091: 'CONSTRAINT_DATATYPE',
  266: 'IOERR_READ',
  778: 'IOERR_WRITE',
  1034: 'IOERR_FSYNC',
  1290: 'IOERR_DIR_FSYNC',
  1546: 'IOERR_TRUNCATE',
  3338: 'IOERR_SHMOPEN',
  3594: 'IOERR_SHMSIZE',
  4874: 'IOERR_SHMMAP',
  6410: 'IOERR_GETTEMPPATH',
  1032: 'READONLY_DBMOVED',
};

/** `SQLITE_<NAME>` for a numeric result code, e.g. 2067 → SQLITE_CONSTRAINT_UNIQUE. */
export function sqliteCodeName(errcode: number): string {
  const name = EXTENDED[errcode] ?? PRIMARY[errcode & 0xff] ?? 'ERROR';
  return `SQLITE_${name}`;
}
