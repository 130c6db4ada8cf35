import type BetterSqlite3 from 'better-sqlite3';

/** Statements kept prepared: batched writes repeat the same SQL for every chunk. */
export const STATEMENT_CACHE_SIZE = 100;

/**
 * `prepare` with a small LRU cache of statements by SQL text (Kysely prepares every query
 * afresh; a 250-row insert takes a millisecond to prepare). A statement still iterating is
 * never handed out twice. Schema changes need nothing here: SQLite re-prepares a statement
 * whose tables changed the next time it runs (and fails it, as a fresh prepare would, when
 * what it names is gone).
 */
export function cachedPrepare(
  database: BetterSqlite3.Database,
  size = STATEMENT_CACHE_SIZE,
): (sql: string) => BetterSqlite3.Statement {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return (sql) => {
    const hit = cache.get(sql);
    if (hit && !hit.busy) {
      cache.delete(sql);
      cache.set(sql, hit);
      return hit;
    }
    const statement = database.prepare(sql);
    cache.set(sql, statement);
    if (cache.size > size) cache.delete(cache.keys().next().value as string);
    return statement;
  };
}
