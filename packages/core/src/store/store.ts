import type { ActivityStore } from './activity.js';
import type { AuditStore } from './audit.js';
import type { StoreChanges } from './changes.js';
import type { JobStore } from './jobs.js';
import type { MinionStore } from './minions.js';
import type { RoleStore } from './roles.js';
import type { SettingsStore } from './settings.js';
import type { ApiTokenStore, SessionStore, UserStore } from './users.js';

/**
 * The Store's methods by feature. A transaction gets the same methods, bound to it.
 */
export interface StoreFeatures {
  /** Minion snapshots. */
  readonly minions: MinionStore;
  /** The jobs index and job returns. */
  readonly jobs: JobStore;
  /** The activity feed. */
  readonly activity: ActivityStore;
  /** The settings row. */
  readonly settings: SettingsStore;
  /** Built-in users. */
  readonly users: UserStore;
  /** Login sessions. */
  readonly sessions: SessionStore;
  /** API tokens. */
  readonly tokens: ApiTokenStore;
  /** Roles and permissions. */
  readonly roles: RoleStore;
  /** The audit log. */
  readonly audit: AuditStore;
  /**
   * Run `fn` in one database transaction: committed when it resolves, rolled back when it
   * throws (the error is re-thrown). Use the `tx` it is given, not the outer Store: on SQLite
   * the outer Store waits for the transaction to end. Nested calls join the outer transaction.
   *
   * @example
   * ```ts
   * await store.transaction(async (tx) => {
   *   const user = await tx.users.create({ username: 'alice', passwordHash });
   *   await tx.roles.assign(user.id, viewerRoleId);
   * });
   * ```
   */
  transaction<T>(fn: (tx: StoreFeatures) => Promise<T>): Promise<T>;
}

/** Which migrations a database has, compared with this code's list. */
export interface SchemaStatus {
  /** Migrations this code knows, applied to the database. */
  applied: string[];
  /** Migrations this code knows that the database lacks. */
  pending: string[];
  /** Migrations the database has that this code does not know (a newer Halite ran). */
  unknown: string[];
}

/**
 * Halite's database: every read the console serves, every write ingest makes. Two
 * implementations pass the same conformance suite: `@halite/store-sqlite` and
 * `@halite/store-postgres`. Every method throws only {@link StoreError}.
 *
 * @example
 * ```ts
 * import { createSqliteStore } from '@halite/store-sqlite';
 * const store = await createSqliteStore({ filename: 'halite.db' });
 * const page = await store.minions.list({ status: ['online'], sort: 'os', limit: 50 });
 * await store.close();
 * ```
 */
export interface Store extends StoreFeatures {
  /** The database flavor, e.g. `sqlite` or `postgres`. */
  readonly flavor: string;
  /** Counters that move when a write through this Store commits (what read caches check). */
  readonly changes: StoreChanges;
  /**
   * Bring the schema to this code's latest migration (idempotent; safe to run from several
   * processes at once). `schema_too_new` when the database has migrations this code does not
   * know: then nothing is run.
   */
  migrate(): Promise<SchemaStatus>;
  /** Compare the database's migrations with this code's. */
  schemaStatus(): Promise<SchemaStatus>;
  /** Check the database answers (`/readyz`); throws `unavailable` when it does not. */
  ping(): Promise<void>;
  /** Close the database (or release the pool); later calls fail with `unavailable`. */
  close(): Promise<void>;
}
