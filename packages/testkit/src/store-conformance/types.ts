import type { KyselyStoreOptions, Store } from '@halite/core';

/** Store options a conformance test may set (the clock and size caps). */
export type ConformanceStoreOptions = Pick<
  KyselyStoreOptions,
  'now' | 'maxReturnBytes' | 'maxPayloadBytes' | 'maxJsonBytes'
>;

/** One fresh, migrated, empty Store and the backdoors the suite needs to test it. */
export interface StoreFixture {
  /** The Store under test. */
  store: Store;
  /**
   * Open a second Store on the same database (another connection; a separate process would see
   * the same). Leave out when the database is private to one connection (SQLite `:memory:`).
   */
  openAnother?: (options?: ConformanceStoreOptions & { migrate?: boolean }) => Promise<Store>;
  /** Run portable SQL (plain `insert`, `delete`) on the same database, in the Store's schema. */
  exec(sql: string): Promise<void>;
  /**
   * Make the database itself fail any insert, update or delete of a row of `table` whose
   * `column` equals `value` (a trigger): how the suite breaks a batch in the middle.
   */
  failWritesWhere(table: string, column: string, value: string): Promise<void>;
  /** Close the stores and drop the database. */
  dispose(): Promise<void>;
}

/** A Store implementation to run the conformance suite against. */
export interface StoreConformanceTarget {
  /** Shown in test names, e.g. `sqlite (file)`. */
  name: string;
  /** Open a fresh, empty, migrated Store with these options. */
  open(options: ConformanceStoreOptions): Promise<StoreFixture>;
}
