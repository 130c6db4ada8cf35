import type { ChangeFeature, StoreChanges } from './changes.js';

/** Options of the cache `createHalite` keeps in front of the list and count reads. */
export interface ReadCacheOptions {
  /**
   * How long one answer may be served again, in ms (default 1000). A write through the same
   * Store ends it at once; the time limit bounds what the cache cannot see: writes by another
   * process on the same database, and the freshness flags, which age with the clock.
   */
  ttlMs?: number;
  /** The most answers kept (default 256); the least recently used goes first. */
  maxEntries?: number;
  /**
   * The most list rows the kept answers hold together (default 20,000: about 20 MB of minion
   * rows with their JSON); the least recently used go first, and a larger answer is not kept.
   */
  maxRows?: number;
}

/** Defaults of {@link ReadCacheOptions}. */
export const READ_CACHE_DEFAULTS: Readonly<Required<ReadCacheOptions>> = Object.freeze({
  ttlMs: 1000,
  maxEntries: 256,
  maxRows: 20_000,
});

interface Entry {
  /** The sum of the features' change counters when the read started (they only grow). */
  stamp: number;
  /** When the read started, by the cache's clock. */
  at: number;
  /** When the read started, by the process's monotonic clock. */
  tick: number;
  value: Promise<object>;
  /** The rows of the answer's lists, once it has come. */
  rows: number;
}

/**
 * Answers of Store reads, shared by identical requests until the Store is written or `ttlMs`
 * passes: at 50,000 minions a page costs 1–3 ms of database and row building, and consoles poll
 * the same few pages. Identical reads that arrive while one is running share it. Answers are
 * frozen, since every caller gets the same object.
 *
 * @example
 * ```ts
 * const cache = new ReadCache(store.changes, { ttlMs: 1000 });
 * const page = await cache.read(['minions'], `list:${JSON.stringify(query)}`, () => load(query));
 * ```
 */
export class ReadCache {
  readonly #changes: StoreChanges;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #maxRows: number;
  readonly #now: () => number;
  #rows = 0;
  readonly #entries = new Map<string, Entry>();

  /**
   * @param changes - the Store's change counters (`store.changes`)
   * @param options - limits, or `false` for no caching (every read goes to the Store)
   * @param now - the clock the answers' time fields are computed with, in ms. Answers expire by
   *   it and by the process's monotonic clock, whichever says so first: a clock that stands
   *   still (tests) does not keep an answer forever, and one moved ahead ages it at once.
   */
  constructor(changes: StoreChanges, options: ReadCacheOptions | false = {}, now: () => number = Date.now) {
    this.#changes = changes;
    const ttlMs = options === false ? 0 : (options.ttlMs ?? READ_CACHE_DEFAULTS.ttlMs);
    const maxEntries = options === false ? 0 : (options.maxEntries ?? READ_CACHE_DEFAULTS.maxEntries);
    const maxRows = options === false ? 0 : (options.maxRows ?? READ_CACHE_DEFAULTS.maxRows);
    if (!(Number.isFinite(ttlMs) && ttlMs >= 0)) throw new TypeError(`readCache.ttlMs: ${ttlMs}`);
    if (!(Number.isInteger(maxEntries) && maxEntries >= 0)) {
      throw new TypeError(`readCache.maxEntries: ${maxEntries}`);
    }
    if (!(Number.isInteger(maxRows) && maxRows >= 0)) throw new TypeError(`readCache.maxRows: ${maxRows}`);
    this.#ttlMs = ttlMs;
    this.#maxEntries = ttlMs === 0 ? 0 : maxEntries;
    this.#maxRows = maxRows;
    this.#now = now;
  }

  /** How many answers are kept now. */
  get size(): number {
    return this.#entries.size;
  }

  /** How many list rows the kept answers hold. */
  get rows(): number {
    return this.#rows;
  }

  /**
   * The answer stored under `key` when none of `features` was written since it was read and it
   * is younger than `ttlMs`; else `load()`'s, stored and frozen. A failed load is not stored.
   */
  read<T extends object>(
    features: readonly ChangeFeature[],
    key: string,
    load: () => Promise<T>,
  ): Promise<T> {
    if (this.#maxEntries === 0) return load();
    let stamp = 0;
    for (const feature of features) stamp += this.#changes.version(feature);
    const now = this.#now();
    const tick = performance.now();
    const entry = this.#entries.get(key);
    if (
      entry &&
      entry.stamp === stamp &&
      now >= entry.at &&
      now - entry.at < this.#ttlMs &&
      tick - entry.tick < this.#ttlMs
    ) {
      // Most recently used last: Map keeps insertion order.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      return entry.value as Promise<T>;
    }
    const fresh: Entry = { stamp, at: now, tick, rows: 0, value: load().then(deepFreeze) };
    fresh.value.then(
      (answer) => {
        if (this.#entries.get(key) !== fresh) return;
        fresh.rows = rowsOf(answer);
        this.#rows += fresh.rows;
        this.#trim(key, fresh);
      },
      () => {
        if (this.#entries.get(key) === fresh) this.#forget(key);
      },
    );
    this.#forget(key);
    this.#entries.set(key, fresh);
    this.#trim(key, fresh);
    return fresh.value as Promise<T>;
  }

  /** Forget every answer. */
  clear(): void {
    this.#entries.clear();
    this.#rows = 0;
  }

  #forget(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#rows -= entry.rows;
  }

  /**
   * Drops the least recently used answers until the kept ones fit the limits, `kept` (the one
   * just stored) last; an answer larger than `maxRows` on its own is dropped alone.
   */
  #trim(keptKey: string, kept: Entry): void {
    if (kept.rows > this.#maxRows) {
      this.#forget(keptKey);
      return;
    }
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#rows <= this.#maxRows) return;
      if (entry !== kept) this.#forget(key);
    }
  }
}

/** The rows of an answer's lists (its top-level arrays), plus one for the answer itself. */
function rowsOf(answer: object): number {
  let rows = 1;
  for (const value of Object.values(answer)) if (Array.isArray(value)) rows += value.length;
  return rows;
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
