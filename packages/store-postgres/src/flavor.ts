import { type StoreErrorKind, type StoreFlavor, utf8Bytes } from '@halite/core';
import { sql } from 'kysely';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

function classifyPostgresError(error: unknown): StoreErrorKind | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return 'unavailable';
    if (code === '23505') return 'unique_violation';
    if (code === '23503') return 'foreign_key_violation';
    // Other integrity violations and data exceptions (too long, bad encoding, out of range).
    if (code.startsWith('23') || code.startsWith('22')) return 'invalid_input';
    // Serialisation failure, deadlock, lock timeout, statement timeout.
    if (code === '40001' || code === '40P01' || code === '55P03' || code === '57014') return 'busy';
    // Connection exceptions, shutdown, too many connections, no such database, auth failure.
    if (
      code.startsWith('08') ||
      code.startsWith('57P') ||
      code === '53300' ||
      code === '3D000' ||
      code.startsWith('28')
    ) {
      return 'unavailable';
    }
    if (/^[0-9A-Z]{5}$/.test(code)) return 'io';
  }
  if (/connection terminated|pool after calling end|connection timeout|not queryable/i.test(error.message)) {
    return 'unavailable';
  }
  return undefined;
}

/**
 * PostgreSQL's traits for the shared query code: 65,535 bound parameters per statement,
 * `json` (returned parsed by pg), `timestamptz`, native booleans, identity ids, text compared
 * and sorted by code point (`collate "C"`, as SQLite does), `ilike` for case-insensitive search.
 * Transactions that insert activity events take an advisory lock so ids become visible in
 * ascending order.
 */
export const postgresFlavor: StoreFlavor = {
  name: 'postgres',
  maxBindParams: 65_535,
  maxRowsPerStatement: 500,
  // pg sends a Buffer as a binary parameter; the binary format of `json` is its UTF-8 text.
  bindLargeJson: (text) => utf8Bytes(text),
  supportsReturning: true,
  arrayParameters: true,
  jsonColumnsParsed: true,
  booleansAsIntegers: false,
  caseInsensitiveLike: 'ilike',
  autoIncrement: 'identity',
  indexNullsFirst: true,
  types: {
    text: (maxLength) => `varchar(${maxLength}) collate "C"`,
    textCast: 'text',
    integer: 'integer',
    bigint: 'bigint',
    boolean: 'boolean',
    // `json` (validated text), not `jsonb`: grains are stored and returned whole, never queried
    // inside, and `json` loads ~2x faster, keeps key order (as SQLite does).
    json: 'json',
    largeJson: 'json',
    timestamp: 'timestamptz',
    binary: 'bytea',
  },
  async lockSequence(trx, name) {
    await sql`select pg_advisory_xact_lock(hashtext(${`halite:${name}`}))`.execute(trx);
  },
  hourStart: (column) =>
    sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24') || ':00:00.000Z'`,
  classifyError: classifyPostgresError,
};

/**
 * {@link postgresFlavor}, with the large JSON columns compressed with lz4 where the server
 * supports it (PostgreSQL 14+ built with lz4, as the PGDG, Debian and cloud builds are):
 * several times faster to write than the default pglz.
 */
export function postgresFlavorFor(server: { lz4: boolean }): StoreFlavor {
  return server.lz4
    ? { ...postgresFlavor, types: { ...postgresFlavor.types, largeJson: 'json compression lz4' } }
    : postgresFlavor;
}
