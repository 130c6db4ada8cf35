import {
  createKyselyStore,
  type Database,
  type KyselyStoreOptions,
  type Store,
  StoreError,
} from '@halite/core';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { HaliteSqliteDialect } from './dialect.js';
import { sqliteFlavor } from './flavor.js';
import { cachedPrepare } from './statement-cache.js';

export { sqliteFlavor } from './flavor.js';

/** The longest SQLite's own (event-loop blocking) busy handler may wait per statement. */
const SYNC_BUSY_WAIT_MS = 20;

/** Options of {@link createSqliteStore}: a file name, or a better-sqlite3 handle you own. */
export interface SqliteStoreOptions extends Omit<KyselyStoreOptions, 'schema'> {
  /** The database file (created when missing), or `:memory:` for a private in-memory database. */
  filename?: string;
  /**
   * An open better-sqlite3 database to use instead of `filename`. The Store sets its pragmas
   * and never closes it (close() only stops using it).
   */
  database?: BetterSqlite3.Database;
  /**
   * How long a statement waits for another connection's lock before failing with `busy`
   * (default 5000 ms). SQLite's own busy handler waits the first few milliseconds
   * (`busy_timeout`); past that the Store retries without blocking the event loop.
   */
  busyTimeoutMs?: number;
}

/**
 * Open (or create) a SQLite database as Halite's Store: the embedded default. WAL journal (for
 * files), `synchronous=NORMAL`, foreign keys on, a busy timeout; migrations run before it
 * returns unless `migrate: false`. Errors are {@link StoreError}s (`unavailable` when the file
 * cannot be opened).
 *
 * @example
 * ```ts
 * const store = await createSqliteStore({ filename: '/var/lib/halite/halite.db' });
 * await store.minions.reconcile({ insert: [{ minionId: 'web-01', keyStatus: 'accepted' }] });
 * await store.close();
 * ```
 */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const { filename, database: given, busyTimeoutMs = 5000, ...storeOptions } = options;
  if ((given === undefined) === (typeof filename !== 'string' || filename.length === 0)) {
    throw new StoreError('invalid_input', 'Give exactly one of filename (a path or ":memory:") or database');
  }
  let database: BetterSqlite3.Database;
  try {
    // A short synchronous wait absorbs brief locks; longer waits are asynchronous retries.
    const syncWaitMs = Math.min(Math.max(0, Math.floor(busyTimeoutMs)), SYNC_BUSY_WAIT_MS);
    database = given ?? new BetterSqlite3(filename as string, { timeout: syncWaitMs });
    database.pragma(`busy_timeout = ${syncWaitMs}`);
    if (!database.memory) database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
  } catch (error) {
    const kind = sqliteFlavor.classifyError(error);
    throw new StoreError(
      kind === undefined || kind === 'io' ? 'unavailable' : kind,
      `Cannot open SQLite database ${filename ?? given?.name}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  // Kysely closes its database on destroy: a caller's handle gets a view whose close() is a no-op.
  const handle = { prepare: cachedPrepare(database), close: given ? () => {} : () => database.close() };
  const db = new Kysely<Database>({ dialect: new HaliteSqliteDialect({ database: handle, busyTimeoutMs }) });
  return createKyselyStore(db, sqliteFlavor, storeOptions);
}
