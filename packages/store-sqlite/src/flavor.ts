import { type StoreErrorKind, type StoreFlavor, utf8Bytes } from '@halite/core';
import { sql } from 'kysely';

const BY_CODE: Array<[RegExp, StoreErrorKind]> = [
  [/^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/, 'unique_violation'],
  [/^SQLITE_CONSTRAINT_FOREIGNKEY$/, 'foreign_key_violation'],
  [/^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/, 'invalid_input'],
  [/^SQLITE_(BUSY|LOCKED)/, 'busy'],
  [/^SQLITE_(CANTOPEN|READONLY|AUTH|PERM)/, 'unavailable'],
  [/^SQLITE_/, 'io'],
];

function classifySqliteError(error: unknown): StoreErrorKind | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    for (const [pattern, kind] of BY_CODE) if (pattern.test(code)) return kind;
  }
  // better-sqlite3 throws a TypeError on a closed database.
  if (/database connection is not open/i.test(error.message)) return 'unavailable';
  return undefined;
}

/**
 * SQLite's traits for the shared query code: 32,766 bound parameters per statement (the limit
 * better-sqlite3 12 is built with), JSON and times stored as text, booleans as `0`/`1`, ids
 * from `integer primary key autoincrement` (never reused). Write transactions are already
 * serial (`begin immediate`), so ids become visible in order without a lock.
 */
export const sqliteFlavor: StoreFlavor = {
  name: 'sqlite',
  maxBindParams: 32_766,
  maxRowsPerStatement: 250,
  // Bound as bytes, stored as text: the kilobytes live outside V8's heap until the statement ran.
  bindLargeJson: (text) => sql`cast(${utf8Bytes(text)} as text)`,
  supportsReturning: true,
  arrayParameters: false,
  jsonColumnsParsed: false,
  booleansAsIntegers: true,
  caseInsensitiveLike: 'like',
  autoIncrement: 'autoincrement',
  indexNullsFirst: false,
  types: {
    text: () => 'text',
    textCast: 'text',
    integer: 'integer',
    bigint: 'integer',
    boolean: 'integer',
    json: 'text',
    largeJson: 'text',
    timestamp: 'text',
    binary: 'blob',
  },
  async lockSequence() {},
  // Times are ISO text: the hour is its first 13 characters.
  hourStart: (column) => sql<string>`substr(${column}, 1, 13) || ':00:00.000Z'`,
  classifyError: classifySqliteError,
};
