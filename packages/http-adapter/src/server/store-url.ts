import type { Store } from '@halite/core';

/** Where the reference server keeps its data when `HALITE_DATABASE_URL` is not set. */
export const DEFAULT_SQLITE_FILE = 'halite.sqlite';

/** The database a URL names. */
export type StoreTarget =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'postgres'; connectionString: string };

/**
 * Reads `HALITE_DATABASE_URL`: a `postgres://` or `postgresql://` URL selects PostgreSQL;
 * `sqlite:<path>`, `file:<path>` or a plain path selects a SQLite file; empty means
 * `./halite.sqlite`.
 */
export function parseStoreUrl(url: string | undefined): StoreTarget {
  const value = url?.trim() ?? '';
  if (value === '') return { kind: 'sqlite', filename: DEFAULT_SQLITE_FILE };
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: 'postgres', connectionString: value };
  const path = value.replace(/^(sqlite|file):(\/\/)?/i, '');
  if (path === '') throw new Error(`HALITE_DATABASE_URL names no SQLite file: ${value}`);
  return { kind: 'sqlite', filename: path };
}

/**
 * Opens the Store a URL names. The adapters are optional peers of `@halite/http`, loaded only
 * here, so a portal that mounts the handler with its own Store never loads a database driver.
 */
export async function openStore(target: StoreTarget): Promise<Store> {
  try {
    if (target.kind === 'postgres') {
      const { createPostgresStore } = await import('@halite/store-postgres');
      return await createPostgresStore({ connectionString: target.connectionString });
    }
    const { createSqliteStore } = await import('@halite/store-sqlite');
    return await createSqliteStore({ filename: target.filename });
  } catch (error) {
    const pkg = target.kind === 'postgres' ? '@halite/store-postgres' : '@halite/store-sqlite';
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error(`${pkg} is not installed: add it next to @halite/http to use this database`);
    }
    throw error;
  }
}
