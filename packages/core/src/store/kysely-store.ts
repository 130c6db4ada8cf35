import { type Kysely, sql } from 'kysely';
import { type Logger, silentLogger } from '../logger.js';
import { ChangeClock, type ChangeFeature } from './changes.js';
import { type JsonLimits, StoreContext } from './context.js';
import type { StoreFlavor } from './flavor.js';
import { migrateToLatest, readSchemaStatus } from './migrations.js';
import { createActivityQueries } from './queries/activity.js';
import { createAuditQueries } from './queries/audit.js';
import { createJobQueries } from './queries/jobs.js';
import { createMinionQueries } from './queries/minions.js';
import { createRoleQueries } from './queries/roles.js';
import { createSettingsQueries } from './queries/settings.js';
import { createSessionQueries, createTokenQueries, createUserQueries } from './queries/users.js';
import type { Database } from './schema.js';
import type { Store, StoreFeatures } from './store.js';

/** Options of {@link createKyselyStore}; the adapters pass theirs through. */
export interface KyselyStoreOptions {
  /** The PostgreSQL schema holding Halite's tables (and its migration table). */
  schema?: string;
  /** Run migrations before returning (default `true`). With `false`, call `store.migrate()`. */
  migrate?: boolean;
  /** The clock (default `() => new Date()`). */
  now?: () => Date;
  /** Where migrations and failures are logged (default silent). */
  logger?: Logger;
  /** Job returns above this many bytes of JSON are stored truncated (default 256 KiB). */
  maxReturnBytes?: number;
  /** Activity payloads above this many bytes of JSON are stored truncated (default 64 KiB). */
  maxPayloadBytes?: number;
  /** Grains, job arguments and other JSON above this many bytes are refused (default 16 MiB). */
  maxJsonBytes?: number;
  /** Called once by `close()` after the database is destroyed (e.g. to remove a temp file). */
  onClose?: () => Promise<void> | void;
}

/** Default size caps of JSON columns. */
export const DEFAULT_JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({
  maxReturnBytes: 256 * 1024,
  maxPayloadBytes: 64 * 1024,
  maxJsonBytes: 16 * 1024 * 1024,
});

function features(
  db: Kysely<Database>,
  ctx: StoreContext,
  clock: ChangeClock,
  touched?: Set<ChangeFeature>,
): StoreFeatures {
  const raw: StoreFeatures = {
    minions: createMinionQueries(db, ctx),
    jobs: createJobQueries(db, ctx),
    activity: createActivityQueries(db, ctx),
    settings: createSettingsQueries(db, ctx),
    users: createUserQueries(db, ctx),
    sessions: createSessionQueries(db, ctx),
    tokens: createTokenQueries(db, ctx),
    roles: createRoleQueries(db, ctx),
    audit: createAuditQueries(db, ctx),
    async transaction<T>(fn: (tx: StoreFeatures) => Promise<T>): Promise<T> {
      if (db.isTransaction) return fn(self);
      if (ctx.closed) throw ctx.toStoreError('transaction', new Error('closed'));
      // Errors thrown by `fn` are the caller's: re-throw them as they are. Only failures of
      // begin/commit themselves are mapped.
      let thrown: { error: unknown } | undefined;
      const written = new Set<ChangeFeature>();
      try {
        return await db.transaction().execute(async (trx) => {
          try {
            return await fn(features(trx, ctx, clock, written));
          } catch (error) {
            thrown = { error };
            throw error;
          }
        });
      } catch (error) {
        if (thrown && thrown.error === error) throw error;
        throw ctx.toStoreError('transaction', error);
      } finally {
        // Committed (or rolled back): what was read while it ran is out of date either way.
        for (const feature of written) clock.bump(feature);
      }
    },
  };
  const self = clock.track(raw, touched);
  return self;
}

/**
 * Build a {@link Store} on a Kysely instance and a flavor: what every adapter calls after it
 * has opened its driver. Runs the migrations unless `migrate: false`.
 *
 * @example
 * ```ts
 * const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
 * const store = await createKyselyStore(db, postgresFlavor, { schema: 'halite' });
 * ```
 */
export async function createKyselyStore(
  db: Kysely<Database>,
  flavor: StoreFlavor,
  options: KyselyStoreOptions = {},
): Promise<Store> {
  const scoped = options.schema ? db.withSchema(options.schema) : db;
  const ctx = new StoreContext({
    flavor,
    schema: options.schema,
    logger: options.logger ?? silentLogger,
    now: options.now ?? (() => new Date()),
    limits: {
      maxReturnBytes: options.maxReturnBytes ?? DEFAULT_JSON_LIMITS.maxReturnBytes,
      maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_JSON_LIMITS.maxPayloadBytes,
      maxJsonBytes: options.maxJsonBytes ?? DEFAULT_JSON_LIMITS.maxJsonBytes,
    },
  });
  const target = { db: scoped as unknown as Kysely<unknown>, flavor, schema: options.schema };
  let closing: Promise<void> | undefined;

  const clock = new ChangeClock();
  const store: Store = {
    ...features(scoped, ctx, clock),
    changes: clock,
    flavor: flavor.name,
    migrate: () =>
      ctx.run('migrate', async () => {
        const status = await migrateToLatest(target);
        ctx.logger.info('store migrated', { flavor: flavor.name, applied: status.applied.length });
        return status;
      }),
    schemaStatus: () => ctx.run('schemaStatus', () => readSchemaStatus(target)),
    ping: () =>
      ctx.run('ping', async () => {
        await sql`select 1`.execute(scoped);
      }),
    close: () => {
      closing ??= (async () => {
        ctx.closed = true;
        try {
          await db.destroy();
        } finally {
          await options.onClose?.();
        }
      })();
      return closing;
    },
  };

  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
  }
  return store;
}
