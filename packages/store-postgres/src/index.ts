import {
  createKyselyStore,
  type Database,
  type KyselyStoreOptions,
  type Store,
  StoreError,
} from '@halite/core';
import { Kysely, PostgresDialect, type PostgresPool, sql } from 'kysely';
import pg from 'pg';
import { postgresFlavor, postgresFlavorFor } from './flavor.js';

export { postgresFlavor, postgresFlavorFor } from './flavor.js';

/** Options of {@link createPostgresStore}: a connection string, or a pool you own. */
export interface PostgresStoreOptions extends Omit<KyselyStoreOptions, 'schema'> {
  /** `postgres://user:pass@host:5432/db`; the Store creates and ends its own pool. */
  connectionString?: string;
  /** A pg pool you manage; the Store never ends it (close() only stops using it). */
  pool?: pg.Pool;
  /**
   * A schema to hold Halite's tables and migration table, created when missing: several
   * installs (or test runs) can share one database. Default: the connection's search path.
   */
  schema?: string;
  /** Connections in the pool the Store creates (default 10). */
  poolSize?: number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Open Halite's Store on PostgreSQL (pg): every console instance of a larger install shares it.
 * Migrations run before it returns unless `migrate: false`; errors are {@link StoreError}s.
 *
 * @example
 * ```ts
 * const store = await createPostgresStore({ connectionString: process.env.DATABASE_URL, schema: 'halite' });
 * const { total, items } = await store.jobs.list({ limit: 20 });
 * await store.close();
 * ```
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const { connectionString, pool: ownPool, schema, poolSize = 10, ...storeOptions } = options;
  if ((connectionString === undefined) === (ownPool === undefined)) {
    throw new StoreError('invalid_input', 'Give exactly one of connectionString or pool');
  }
  if (schema !== undefined && !IDENTIFIER.test(schema)) {
    throw new StoreError(
      'invalid_input',
      `schema: expected an identifier ([A-Za-z_][A-Za-z0-9_]*), got ${schema}`,
    );
  }
  let pool: PostgresPool;
  if (ownPool) {
    // Kysely ends its pool on destroy: hand it a view whose end() leaves the caller's pool open.
    pool = { connect: () => ownPool.connect(), end: async () => {} };
  } else {
    const created = new pg.Pool({ connectionString, max: poolSize });
    // An idle client losing its connection must not crash the process: the next query reports it.
    created.on('error', (error) =>
      storeOptions.logger?.warn('postgres pool error', { error: error.message }),
    );
    pool = created;
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let lz4 = false;
  try {
    const { rows } = await sql<{ values: string[] | string | null }>`
      select enumvals as values from pg_settings where name = 'default_toast_compression'`.execute(db);
    lz4 = String(rows[0]?.values ?? '').includes('lz4');
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const kind = postgresFlavor.classifyError(error) ?? 'unavailable';
    throw new StoreError(
      kind,
      `Cannot reach PostgreSQL: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  return createKyselyStore(db, postgresFlavorFor({ lz4 }), {
    ...storeOptions,
    ...(schema ? { schema } : {}),
  });
}
