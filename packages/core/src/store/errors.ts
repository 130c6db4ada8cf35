import { HaliteError } from '../errors.js';

/**
 * Why a Store call failed. The set is closed: services branch on it, never on the message.
 *
 * - `unique_violation`: a row with the same key or unique value already exists.
 * - `foreign_key_violation`: the row refers to a row that does not exist (a role, a user).
 * - `not_found`: an update or touch named a row that does not exist.
 * - `invalid_input`: the input is the wrong type, too long, not JSON-serialisable, or holds a
 *   character the databases cannot store (NUL, a lone surrogate). Nothing was written.
 * - `schema_too_new`: the database holds migrations this code does not know (it was migrated
 *   by a newer Halite). Nothing was run.
 * - `migration_failed`: a migration failed; on both databases it was rolled back.
 * - `busy`: the database stayed locked past the busy timeout, or PostgreSQL chose this
 *   transaction as a deadlock or serialisation victim. Retrying may succeed.
 * - `unavailable`: the database cannot be reached, or the Store is closed.
 * - `io`: anything else the database reported (disk full, corruption, a driver bug).
 */
export type StoreErrorKind =
  | 'unique_violation'
  | 'foreign_key_violation'
  | 'not_found'
  | 'invalid_input'
  | 'schema_too_new'
  | 'migration_failed'
  | 'busy'
  | 'unavailable'
  | 'io';

/** Options of a {@link StoreError}. */
export interface StoreErrorOptions {
  /** The driver's own error, kept for logs; never a type callers need to import. */
  cause?: unknown;
  /** Structured, non-secret detail, e.g. `{ field: 'insert[3].numCpus' }` for bad input. */
  details?: unknown;
}

/**
 * The only error a Store method throws. Its `code` is always `'store_error'`; `kind` says why.
 *
 * @example
 * ```ts
 * try { await store.users.create({ username: 'alice', passwordHash }); }
 * catch (err) {
 *   if (err instanceof StoreError && err.kind === 'unique_violation') return conflict('Username already exists');
 *   throw err;
 * }
 * ```
 */
export class StoreError extends HaliteError {
  /** Why the call failed. */
  readonly kind: StoreErrorKind;

  constructor(kind: StoreErrorKind, message: string, options: StoreErrorOptions = {}) {
    super('store_error', message, options);
    this.name = 'StoreError';
    this.kind = kind;
  }
}
