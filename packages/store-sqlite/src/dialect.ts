import { setTimeout as sleep } from 'node:timers/promises';
import {
  CompiledQuery as Compiled,
  type CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type QueryResult,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

const isBusy = (error: unknown) =>
  error instanceof Error && /^SQLITE_(BUSY|LOCKED)/.test(String((error as { code?: unknown }).code));

/**
 * Retries a statement that found the database locked by another connection, waiting
 * asynchronously (better-sqlite3's own busy handler sleeps with the event loop blocked, which
 * would stall every other request, and deadlock two connections of one process). A statement
 * that failed with SQLITE_BUSY changed nothing, so running it again is safe.
 */
class BusyRetryConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection;
  readonly #timeoutMs: number;

  constructor(inner: DatabaseConnection, timeoutMs: number) {
    this.#inner = inner;
    this.#timeoutMs = timeoutMs;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const deadline = Date.now() + this.#timeoutMs;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      try {
        return await this.#inner.executeQuery<R>(query);
      } catch (error) {
        if (!isBusy(error) || Date.now() + wait > deadline) throw error;
        await sleep(wait);
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.#inner.streamQuery<R>(query, chunkSize);
  }
}

/** Kysely's SQLite driver, with `begin immediate` and asynchronous busy retries. */
class HaliteSqliteDriver extends SqliteDriver {
  readonly #timeoutMs: number;
  readonly #wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(config: SqliteDialectConfig, timeoutMs: number) {
    super(config);
    this.#timeoutMs = timeoutMs;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    let wrapped = this.#wrapped.get(inner);
    if (!wrapped) {
      wrapped = new BusyRetryConnection(inner, this.#timeoutMs);
      this.#wrapped.set(inner, wrapped);
    }
    return wrapped;
  }

  // Take the write lock when the transaction begins: a deferred transaction that reads and then
  // writes fails with SQLITE_BUSY_SNAPSHOT when another connection wrote in between.
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(Compiled.raw('begin immediate'));
  }
}

/** SQLite runs DDL in transactions: migrations are all-or-nothing. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Kysely's SQLite dialect with three changes: transactions begin `immediate`, a statement that
 * finds the database locked is retried asynchronously for up to `busyTimeoutMs`, and migrations
 * run inside a transaction.
 */
export class HaliteSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #busyTimeoutMs: number;

  constructor(config: SqliteDialectConfig & { busyTimeoutMs: number }) {
    const { busyTimeoutMs, ...rest } = config;
    super(rest);
    this.#config = rest;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  override createDriver(): Driver {
    return new HaliteSqliteDriver(this.#config, this.#busyTimeoutMs);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
