import { type Expression, type Kysely, type RawBuilder, type SqlBool, sql, type Transaction } from 'kysely';
import type { Logger } from '../logger.js';
import { boolWriter, jsonReader } from './codec.js';
import { StoreError } from './errors.js';
import type { StoreFlavor } from './flavor.js';
import type { Database } from './schema.js';
import type { JsonValue } from './types.js';

/** Size caps of JSON columns. */
export interface JsonLimits {
  /** Job returns above this many bytes of JSON are truncated. */
  maxReturnBytes: number;
  /** Activity payloads above this many bytes of JSON are truncated. */
  maxPayloadBytes: number;
  /** Other JSON values (grains, arguments, …) above this many bytes are refused. */
  maxJsonBytes: number;
}

/**
 * What every query module shares: the flavor, the clock, the size caps and the error mapping.
 * One per Store; transactions reuse it.
 */
export class StoreContext {
  readonly flavor: StoreFlavor;
  readonly schema: string | undefined;
  readonly limits: JsonLimits;
  readonly logger: Logger;
  readonly json: (value: unknown) => JsonValue;
  readonly bool: (value: boolean) => boolean | number;
  readonly #now: () => Date;
  closed = false;

  constructor(options: {
    flavor: StoreFlavor;
    schema: string | undefined;
    limits: JsonLimits;
    logger: Logger;
    now: () => Date;
  }) {
    this.flavor = options.flavor;
    this.schema = options.schema;
    this.limits = options.limits;
    this.logger = options.logger;
    this.#now = options.now;
    this.json = jsonReader(options.flavor);
    this.bool = boolWriter(options.flavor);
  }

  /** The current time as a UTC ISO string. */
  now(): string {
    return this.#now().toISOString();
  }

  /** A table reference for raw SQL, qualified with the schema when there is one. */
  table(name: keyof Database & string): RawBuilder<unknown> {
    return sql.table(this.schema ? `${this.schema}.${name}` : name);
  }

  /** Rows per statement for a batch with `columns` bound values per row (plus `extra` fixed ones). */
  rowsPerStatement(columns: number, extra = 0): number {
    const byParams = Math.floor((this.flavor.maxBindParams - extra) / Math.max(1, columns));
    return Math.max(1, Math.min(byParams, this.flavor.maxRowsPerStatement));
  }

  /** Keys per `in (…)` list, under the bind limit (plus `extra` other parameters). */
  keysPerStatement(extra = 0): number {
    return Math.max(1, this.flavor.maxBindParams - extra);
  }

  /**
   * `column` is one of `keys`: one array parameter where the database takes arrays, else an
   * `in (…)` list (keep `keys` under {@link keysPerStatement}).
   */
  inKeys(column: string, keys: readonly string[]): Expression<SqlBool> {
    return this.flavor.arrayParameters
      ? sql<SqlBool>`${sql.ref(column)} = any(${[...keys]})`
      : sql<SqlBool>`${sql.ref(column)} in (${sql.join([...keys])})`;
  }

  /** Case-insensitive substring match of `column` against `needle` (LIKE wildcards escaped). */
  contains(column: string, needle: string): Expression<SqlBool> {
    const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return sql<SqlBool>`${sql.ref(column)} ${sql.raw(this.flavor.caseInsensitiveLike)} ${pattern} escape '\\'`;
  }

  /** Turn any failure into a {@link StoreError}; a StoreError passes through. */
  toStoreError(operation: string, error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    if (this.closed)
      return new StoreError('unavailable', `${operation}: the store is closed`, { cause: error });
    const kind = this.flavor.classifyError(error) ?? 'io';
    const message = error instanceof Error ? error.message : String(error);
    return new StoreError(kind, `${operation}: ${message}`, { cause: error });
  }

  /** Run one Store operation: refuse when closed, map every failure to a StoreError. */
  async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('unavailable', `${operation}: the store is closed`);
    try {
      return await fn();
    } catch (error) {
      throw this.toStoreError(operation, error);
    }
  }

  /**
   * Run `fn` in a transaction on `db`, or inside the transaction `db` already is.
   */
  async inTransaction<T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    if (db.isTransaction) return fn(db as Transaction<Database>);
    return db.transaction().execute(fn);
  }
}

/** Split `items` into slices of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** De-duplicate by key, the last occurrence winning, sorted by key (a stable lock order). */
export function lastByKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  const map = new Map<string, T>();
  for (const item of items) map.set(key(item), item);
  return [...map.keys()].sort(compareText).map((k) => map.get(k) as T);
}

/** Code-point order, as both databases compare these columns. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order differs from code-point order only for surrogates vs U+E000–U+FFFF.
  const len = Math.min(a.length, b.length);
  for (let i = 0; i < len; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** The affected-row count of a raw or builder result. */
export function affected(result: {
  numAffectedRows?: bigint;
  numUpdatedRows?: bigint;
  numDeletedRows?: bigint;
}): number {
  return Number(result.numAffectedRows ?? result.numUpdatedRows ?? result.numDeletedRows ?? 0n);
}
