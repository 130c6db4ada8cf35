import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@halite/core';
import { createPostgresStore } from '@halite/store-postgres';
import { createSqliteStore } from '@halite/store-sqlite';
import { dropSchema, execInSchema, uniqueSchemaName } from '@halite/testkit/postgres';
import { afterAll, inject } from 'vitest';

/** A fresh, migrated, empty Store and how to dispose of it. */
export interface OpenedTestStore {
  store: Store;
  /** Close the Store and delete what it wrote. */
  dispose(): Promise<void>;
}

/** A database the Store-backed tests run on. */
export interface TestStoreKind {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty, migrated Store (each call forgets what the previous one wrote). */
  open(): Promise<OpenedTestStore>;
}

/** A SQLite file in a temp directory, one per `open()`. */
export const sqliteTestStore: TestStoreKind = {
  name: 'sqlite',
  async open() {
    const dir = await mkdtemp(join(tmpdir(), 'halite-http-'));
    const store = await createSqliteStore({ filename: join(dir, 'halite.sqlite') });
    return {
      store,
      dispose: async () => {
        await store.close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

// Empties every table but the migration records, and puts back the settings row the first
// migration writes: far cheaper than migrating a new schema for every test.
const EMPTY_SCHEMA = `
do $$
declare r record;
begin
  for r in select tablename from pg_tables
           where schemaname = current_schema() and tablename not like 'halite_migrations%' loop
    execute format('truncate table %I restart identity cascade', r.tablename);
  end loop;
end $$;
insert into app_settings (id, updated_at) values (1, '2025-01-01T00:00:00.000Z');
`;

/**
 * PostgreSQL (the run's server, see `global-setup.ts`), in one schema for the calling test
 * file: migrated by the first `open()`, emptied by the next ones, dropped after the file.
 */
function postgresTestStore(url: string): TestStoreKind {
  const schema = uniqueSchemaName('http');
  let migrated = false;
  afterAll(async () => {
    if (migrated) await dropSchema(url, schema);
  });
  return {
    name: 'postgres',
    async open() {
      if (migrated) await execInSchema(url, schema, EMPTY_SCHEMA);
      const store = await createPostgresStore({ connectionString: url, schema, poolSize: 4 });
      migrated = true;
      return { store, dispose: () => store.close().catch(() => undefined) };
    },
  };
}

/**
 * The stores a test file runs on: SQLite, and PostgreSQL unless HALITE_TEST_SKIP_PG=1. Call at
 * the top of a test file (PostgreSQL gets a schema for that file).
 *
 * @example
 * ```ts
 * describe.each(testStores())('on $name', (kind) => { … await kind.open() … });
 * ```
 */
export function testStores(): TestStoreKind[] {
  const url = inject('pgUrl');
  return url ? [sqliteTestStore, postgresTestStore(url)] : [sqliteTestStore];
}
