import {
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  sql,
} from 'kysely';
import { StoreError } from './errors.js';
import type { StoreFlavor } from './flavor.js';
import { STORE_LIMITS as LIMITS } from './limits.js';
import { DEFAULT_APP_SETTINGS } from './settings.js';
import type { SchemaStatus } from './store.js';

/** Name of the table recording applied migrations (in the Store's schema on PostgreSQL). */
export const MIGRATION_TABLE = 'halite_migrations';
/** Name of the migration lock table. */
export const MIGRATION_LOCK_TABLE = 'halite_migrations_lock';

// Migrations are written against whatever schema existed when they were written, never the
// current `Database` type: the untyped view is deliberate.
type UntypedDb = Kysely<Record<string, Record<string, unknown>>>;
type Table = CreateTableBuilder<string, string>;
type ColumnKind = 'integer' | 'bigint' | 'boolean' | 'json' | 'largeJson' | 'timestamp' | 'binary';

/** The column-building helpers one migration needs, bound to a flavor. */
function columns(flavor: StoreFlavor) {
  const t = flavor.types;
  const type = (kind: ColumnKind) => sql.raw(t[kind]);
  const bool = (value: boolean) => (flavor.booleansAsIntegers ? (value ? 1 : 0) : value);
  return {
    /** A required text column of at most `max` characters. */
    text: (
      table: Table,
      name: string,
      max: number,
      build?: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder,
    ) => table.addColumn(name, sql.raw(t.text(max)), (c) => (build ? build(c.notNull()) : c.notNull())),
    /** A nullable text column. */
    optText: (table: Table, name: string, max: number) => table.addColumn(name, sql.raw(t.text(max))),
    col: (table: Table, name: string, kind: ColumnKind, notNull = true) =>
      table.addColumn(name, type(kind), (c) => (notNull ? c.notNull() : c)),
    int: (table: Table, name: string, defaultValue: number) =>
      table.addColumn(name, type('integer'), (c) => c.notNull().defaultTo(defaultValue)),
    flag: (table: Table, name: string, defaultValue: boolean) =>
      table.addColumn(name, type('boolean'), (c) => c.notNull().defaultTo(bool(defaultValue))),
    serial: (table: Table, name: string) =>
      flavor.autoIncrement === 'autoincrement'
        ? table.addColumn(name, sql.raw('integer'), (c) => c.primaryKey().autoIncrement())
        : table.addColumn(name, type('bigint'), (c) => c.primaryKey().generatedByDefaultAsIdentity()),
  };
}

/** An index column list entry, NULLs first where the database needs telling. */
function nullsFirst(flavor: StoreFlavor, column: string) {
  return flavor.indexNullsFirst ? sql`${sql.ref(column)} nulls first` : sql`${sql.ref(column)}`;
}

function initialSchema(flavor: StoreFlavor): Migration {
  return {
    async up(db: UntypedDb) {
      const c = columns(flavor);
      const s = db.schema;
      const d = DEFAULT_APP_SETTINGS;

      // minion_snapshots: grains last, so reading the narrow columns never touches its pages.
      let minions: Table = s.createTable('minion_snapshots');
      minions = c.text(minions, 'minion_id', LIMITS.minionId, (col) => col.primaryKey());
      minions = c.text(minions, 'key_status', LIMITS.keyStatus);
      minions = c.flag(minions, 'is_online', false);
      for (const name of ['os', 'os_family', 'osrelease', 'kernel'])
        minions = c.optText(minions, name, LIMITS.grainText);
      minions = c.optText(minions, 'kernelrelease', LIMITS.kernelrelease);
      minions = c.optText(minions, 'virtual', LIMITS.grainText);
      minions = c.col(minions, 'num_cpus', 'integer', false);
      minions = c.col(minions, 'mem_total', 'integer', false);
      minions = c.optText(minions, 'saltversion', LIMITS.grainText);
      minions = c.optText(minions, 'primary_ip', LIMITS.ip);
      minions = c.optText(minions, 'content_hash', LIMITS.hash);
      for (const name of ['keys_refreshed_at', 'presence_refreshed_at', 'grains_refreshed_at']) {
        minions = c.col(minions, name, 'timestamp', false);
      }
      minions = c.col(minions, 'first_seen_at', 'timestamp');
      minions = c.col(minions, 'last_seen_at', 'timestamp', false);
      minions = c.col(minions, 'updated_at', 'timestamp');
      minions = c.col(minions, 'grains', 'largeJson', false);
      await minions.execute();
      await s
        .createIndex('ix_minions_status')
        .on('minion_snapshots')
        .columns(['key_status', 'is_online', 'minion_id'])
        .execute();
      for (const [index, column] of [
        ['ix_minions_os_family', 'os_family'],
        ['ix_minions_os', 'os'],
        ['ix_minions_saltversion', 'saltversion'],
        ['ix_minions_primary_ip', 'primary_ip'],
        ['ix_minions_last_seen', 'last_seen_at'],
      ] as const) {
        await s
          .createIndex(index)
          .on('minion_snapshots')
          .expression(sql`${nullsFirst(flavor, column)}, ${sql.ref('minion_id')}`)
          .execute();
      }

      let marks: Table = s.createTable('ingest_marks');
      marks = c.text(marks, 'source', LIMITS.source, (col) => col.primaryKey());
      marks = c.col(marks, 'refreshed_at', 'timestamp');
      await marks.execute();

      let jobs: Table = s.createTable('jobs_index');
      jobs = c.text(jobs, 'jid', LIMITS.jid, (col) => col.primaryKey());
      jobs = c.text(jobs, 'function', LIMITS.function);
      jobs = c.text(jobs, 'target', LIMITS.target);
      jobs = c.text(jobs, 'target_type', LIMITS.targetType);
      jobs = c.text(jobs, 'user_name', LIMITS.userName);
      jobs = c.col(jobs, 'start_time', 'timestamp');
      jobs = c.col(jobs, 'end_time', 'timestamp', false);
      jobs = c.text(jobs, 'status', LIMITS.jobStatus);
      jobs = c.col(jobs, 'minion_count', 'integer', false);
      jobs = c.int(jobs, 'returned_count', 0);
      jobs = c.int(jobs, 'success_count', 0);
      jobs = c.int(jobs, 'failure_count', 0);
      jobs = c.flag(jobs, 'has_returns', false);
      jobs = c.col(jobs, 'seen_at', 'timestamp');
      jobs = c.col(jobs, 'updated_at', 'timestamp');
      jobs = c.col(jobs, 'arguments', 'json', false);
      jobs = c.col(jobs, 'metadata', 'json', false);
      await jobs.execute();
      await s.createIndex('ix_jobs_start').on('jobs_index').columns(['start_time', 'jid']).execute();
      await s
        .createIndex('ix_jobs_function')
        .on('jobs_index')
        .columns(['function', 'start_time', 'jid'])
        .execute();
      await s
        .createIndex('ix_jobs_user')
        .on('jobs_index')
        .columns(['user_name', 'start_time', 'jid'])
        .execute();
      await s
        .createIndex('ix_jobs_status')
        .on('jobs_index')
        .columns(['status', 'start_time', 'jid'])
        .execute();

      let returns: Table = s.createTable('job_returns');
      returns = c.text(returns, 'jid', LIMITS.jid);
      returns = c.text(returns, 'minion_id', LIMITS.minionId);
      returns = c.col(returns, 'success', 'boolean', false);
      returns = c.col(returns, 'retcode', 'integer', false);
      returns = c.int(returns, 'return_bytes', 0);
      returns = c.flag(returns, 'truncated', false);
      returns = c.col(returns, 'returned_at', 'timestamp');
      returns = c.col(returns, 'return_json', 'largeJson', false);
      returns = returns.addPrimaryKeyConstraint('pk_job_returns', ['jid', 'minion_id']);
      await returns.execute();
      await s
        .createIndex('ix_job_returns_minion')
        .on('job_returns')
        .columns(['minion_id', 'returned_at'])
        .execute();
      await s.createIndex('ix_job_returns_returned').on('job_returns').column('returned_at').execute();

      let activity: Table = s.createTable('activity_events');
      activity = c.serial(activity, 'id');
      activity = c.col(activity, 'occurred_at', 'timestamp');
      activity = c.text(activity, 'category', LIMITS.category);
      activity = c.text(activity, 'event_type', LIMITS.eventType);
      activity = c.optText(activity, 'minion_id', LIMITS.minionId);
      activity = c.optText(activity, 'jid', LIMITS.jid);
      activity = c.optText(activity, 'fun', LIMITS.function);
      activity = c.col(activity, 'success', 'boolean', false);
      activity = c.col(activity, 'changed', 'boolean', false);
      activity = c.optText(activity, 'initiator', LIMITS.userName);
      activity = c.optText(activity, 'target', LIMITS.target);
      activity = c.col(activity, 'duration_ms', 'integer', false);
      activity = c.text(activity, 'summary', LIMITS.summary);
      activity = c.flag(activity, 'payload_truncated', false);
      activity = c.col(activity, 'payload', 'largeJson', false);
      await activity.execute();
      await s.createIndex('ix_activity_occurred').on('activity_events').column('occurred_at').execute();
      await s.createIndex('ix_activity_category').on('activity_events').columns(['category', 'id']).execute();
      await s.createIndex('ix_activity_type').on('activity_events').columns(['event_type', 'id']).execute();
      await s.createIndex('ix_activity_minion').on('activity_events').columns(['minion_id', 'id']).execute();
      await s.createIndex('ix_activity_jid').on('activity_events').columns(['jid', 'id']).execute();

      let settings: Table = s.createTable('app_settings');
      settings = settings.addColumn('id', sql.raw(flavor.types.integer), (col) => col.primaryKey());
      settings = c.optText(settings, 'salt_api_url', LIMITS.url);
      settings = c.optText(settings, 'salt_api_username', LIMITS.username);
      settings = c.col(settings, 'salt_api_password_encrypted', 'binary', false);
      settings = c.flag(settings, 'salt_api_verify', d.saltApiVerify);
      settings = c.text(settings, 'salt_api_eauth', LIMITS.eauth, (col) => col.defaultTo(d.saltApiEauth));
      settings = c.int(settings, 'inventory_refresh_minutes', d.inventoryRefreshMinutes);
      settings = c.int(settings, 'inventory_refresh_initial_delay_s', d.inventoryRefreshInitialDelaySeconds);
      settings = c.int(settings, 'fleet_poll_interval_seconds', d.fleetPollIntervalSeconds);
      settings = c.int(settings, 'jobs_poll_interval_seconds', d.jobsPollIntervalSeconds);
      settings = c.int(settings, 'minion_state_keys_interval_seconds', d.minionKeysIntervalSeconds);
      settings = c.int(settings, 'minion_state_presence_interval_seconds', d.minionPresenceIntervalSeconds);
      settings = c.int(settings, 'minion_state_grains_interval_seconds', d.minionGrainsIntervalSeconds);
      settings = c.int(settings, 'minion_state_initial_delay_seconds', d.minionInitialDelaySeconds);
      settings = c.int(settings, 'grains_chunk_size', d.grainsChunkSize);
      settings = c.int(settings, 'jobs_lookback_hours', d.jobsLookbackHours);
      settings = c.flag(settings, 'event_stream_enabled', d.eventStreamEnabled);
      settings = c.int(settings, 'event_stream_retention_days', d.eventStreamRetentionDays);
      settings = c.int(settings, 'jobs_retention_days', d.jobsRetentionDays);
      settings = c.int(settings, 'audit_retention_days', d.auditRetentionDays);
      settings = c.flag(settings, 'widget_hide_dispatch', d.widgetHideDispatch);
      settings = c.flag(settings, 'widget_hide_routine', d.widgetHideRoutine);
      settings = c.flag(settings, 'widget_show_jobs', d.widgetShowJobs);
      settings = c.flag(settings, 'widget_show_keys', d.widgetShowKeys);
      settings = c.flag(settings, 'widget_show_minions', d.widgetShowMinions);
      settings = c.int(settings, 'widget_event_count', d.widgetEventCount);
      settings = c.int(settings, 'widget_heartbeat_minutes', d.widgetHeartbeatMinutes);
      settings = c.text(settings, 'log_format', LIMITS.logFormat, (col) => col.defaultTo(d.logFormat));
      settings = c.col(settings, 'updated_at', 'timestamp');
      settings = settings.addCheckConstraint('ck_app_settings_singleton', sql`id = 1`);
      await settings.execute();
      await db.insertInto('app_settings').values({ id: 1, updated_at: new Date().toISOString() }).execute();

      let users: Table = s.createTable('users');
      users = c.text(users, 'id', LIMITS.id, (col) => col.primaryKey());
      users = c.text(users, 'username', LIMITS.username);
      users = c.text(users, 'username_lower', LIMITS.username);
      users = c.text(users, 'password_hash', LIMITS.passwordHash);
      users = c.text(users, 'display_name', LIMITS.displayName);
      users = c.optText(users, 'email', LIMITS.email);
      users = c.optText(users, 'email_lower', LIMITS.email);
      users = c.flag(users, 'is_active', true);
      users = c.flag(users, 'is_builtin', false);
      users = c.flag(users, 'must_change_pw', false);
      users = c.col(users, 'created_at', 'timestamp');
      users = c.col(users, 'updated_at', 'timestamp');
      users = c.col(users, 'last_login_at', 'timestamp', false);
      await users.execute();
      await s.createIndex('ux_users_username_lower').on('users').column('username_lower').unique().execute();
      await s.createIndex('ix_users_email_lower').on('users').column('email_lower').execute();

      let sessions: Table = s.createTable('sessions');
      sessions = c.text(sessions, 'id_hash', LIMITS.hash, (col) => col.primaryKey());
      sessions = c.text(sessions, 'user_id', LIMITS.id, (col) =>
        col.references('users.id').onDelete('cascade'),
      );
      sessions = c.col(sessions, 'created_at', 'timestamp');
      sessions = c.col(sessions, 'expires_at', 'timestamp');
      sessions = c.col(sessions, 'last_seen_at', 'timestamp');
      sessions = c.text(sessions, 'user_agent', LIMITS.userAgent);
      sessions = c.text(sessions, 'ip', LIMITS.ip);
      await sessions.execute();
      await s.createIndex('ix_sessions_user').on('sessions').columns(['user_id', 'created_at']).execute();
      await s.createIndex('ix_sessions_expires').on('sessions').column('expires_at').execute();

      let tokens: Table = s.createTable('api_tokens');
      tokens = c.text(tokens, 'id', LIMITS.id, (col) => col.primaryKey());
      tokens = c.text(tokens, 'user_id', LIMITS.id, (col) => col.references('users.id').onDelete('cascade'));
      tokens = c.text(tokens, 'name', LIMITS.tokenName);
      tokens = c.text(tokens, 'token_hash', LIMITS.hash);
      tokens = c.text(tokens, 'prefix', LIMITS.tokenPrefix);
      tokens = c.col(tokens, 'scopes', 'json', false);
      tokens = c.col(tokens, 'created_at', 'timestamp');
      tokens = c.col(tokens, 'expires_at', 'timestamp', false);
      tokens = c.col(tokens, 'last_used_at', 'timestamp', false);
      tokens = c.col(tokens, 'revoked_at', 'timestamp', false);
      await tokens.execute();
      await s.createIndex('ux_api_tokens_hash').on('api_tokens').column('token_hash').unique().execute();
      await s
        .createIndex('ux_api_tokens_user_name')
        .on('api_tokens')
        .columns(['user_id', 'name'])
        .unique()
        .execute();

      let roles: Table = s.createTable('roles');
      roles = c.text(roles, 'id', LIMITS.id, (col) => col.primaryKey());
      roles = c.text(roles, 'name', LIMITS.roleName);
      roles = c.text(roles, 'description', LIMITS.description);
      roles = c.flag(roles, 'is_builtin', false);
      roles = c.col(roles, 'created_at', 'timestamp');
      await roles.execute();
      await s.createIndex('ux_roles_name').on('roles').column('name').unique().execute();

      let permissions: Table = s.createTable('permissions');
      permissions = c.text(permissions, 'id', LIMITS.id, (col) => col.primaryKey());
      permissions = c.text(permissions, 'role_id', LIMITS.id, (col) =>
        col.references('roles.id').onDelete('cascade'),
      );
      permissions = c.text(permissions, 'verb', LIMITS.verb);
      permissions = c.text(permissions, 'resource_glob', LIMITS.resourceGlob);
      await permissions.execute();
      await s
        .createIndex('ux_permissions_role_rule')
        .on('permissions')
        .columns(['role_id', 'verb', 'resource_glob'])
        .unique()
        .execute();

      let userRoles: Table = s.createTable('user_roles');
      userRoles = c.text(userRoles, 'user_id', LIMITS.id, (col) =>
        col.references('users.id').onDelete('cascade'),
      );
      userRoles = c.text(userRoles, 'role_id', LIMITS.id, (col) =>
        col.references('roles.id').onDelete('cascade'),
      );
      userRoles = userRoles.addPrimaryKeyConstraint('pk_user_roles', ['user_id', 'role_id']);
      await userRoles.execute();
      await s.createIndex('ix_user_roles_role').on('user_roles').column('role_id').execute();

      let audit: Table = s.createTable('audit_log');
      audit = c.serial(audit, 'id');
      audit = c.col(audit, 'at', 'timestamp');
      audit = c.optText(audit, 'user_id', LIMITS.id);
      audit = c.optText(audit, 'username', LIMITS.username);
      audit = c.text(audit, 'action', LIMITS.action);
      audit = c.text(audit, 'resource', LIMITS.resource);
      audit = c.optText(audit, 'salt_jid', LIMITS.jid);
      audit = c.text(audit, 'decision', LIMITS.decision);
      audit = c.col(audit, 'result_code', 'integer');
      audit = c.int(audit, 'duration_ms', 0);
      audit = c.col(audit, 'args_json', 'json', false);
      await audit.execute();
      await s.createIndex('ix_audit_at').on('audit_log').columns(['at', 'id']).execute();
      await s.createIndex('ix_audit_user_at').on('audit_log').columns(['user_id', 'at']).execute();
      await s.createIndex('ix_audit_action_at').on('audit_log').columns(['action', 'at']).execute();
      await s.createIndex('ix_audit_decision_at').on('audit_log').columns(['decision', 'at']).execute();
    },
  };
}

/** `audit_log.client_address`: where the request came from, as the HTTP host decided it. */
function auditClientAddress(flavor: StoreFlavor): Migration {
  return {
    async up(db: UntypedDb) {
      await db.schema
        .alterTable('audit_log')
        .addColumn('client_address', sql.raw(flavor.types.text(LIMITS.ip)))
        .execute();
      await db.schema
        .createIndex('ix_audit_client_address_at')
        .on('audit_log')
        .columns(['client_address', 'at'])
        .execute();
    },
  };
}

/**
 * `jobs_index.initiator`: the Halite user who started the job through Halite, beside the user
 * Salt records (the salt-api service account). Existing rows get null: nothing says who ran them.
 */
function jobInitiator(flavor: StoreFlavor): Migration {
  return {
    async up(db: UntypedDb) {
      await db.schema
        .alterTable('jobs_index')
        .addColumn('initiator', sql.raw(flavor.types.text(LIMITS.username)))
        .execute();
      // For the `initiator` filter: "what did alice run", newest first.
      await db.schema
        .createIndex('ix_jobs_initiator')
        .on('jobs_index')
        .columns(['initiator', 'start_time', 'jid'])
        .execute();
    },
  };
}

/**
 * Halite's migrations for one flavor, by name (applied in name order). One list for every
 * database: only the column types differ, and they come from the flavor.
 */
export function storeMigrations(flavor: StoreFlavor): Record<string, Migration> {
  return {
    '0001_initial_schema': initialSchema(flavor),
    '0002_audit_client_address': auditClientAddress(flavor),
    '0003_job_initiator': jobInitiator(flavor),
  };
}

/**
 * An inline Kysely `MigrationProvider` (the folder-based one does not survive bundling).
 *
 * @example
 * ```ts
 * const migrator = new Migrator({ db, provider: new StoreMigrationProvider(sqliteFlavor) });
 * ```
 */
export class StoreMigrationProvider implements MigrationProvider {
  readonly #migrations: Record<string, Migration>;

  constructor(flavor: StoreFlavor, migrations: Record<string, Migration> = storeMigrations(flavor)) {
    this.#migrations = migrations;
  }

  /** The migrations, by name. */
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.#migrations;
  }
}

/** Where the migrations run. */
export interface MigrationTarget {
  /** The database (already scoped to `schema` when one is given). */
  db: Kysely<unknown>;
  /** The flavor, for the column types. */
  flavor: StoreFlavor;
  /** The PostgreSQL schema holding the tables and the migration table. */
  schema?: string | undefined;
  /** Override the migration list (tests). Default {@link storeMigrations}. */
  migrations?: Record<string, Migration> | undefined;
}

async function appliedMigrations(target: MigrationTarget): Promise<string[]> {
  const tables = await target.db.introspection.getTables({ withInternalKyselyTables: true });
  const exists = tables.some(
    (table) => table.name === MIGRATION_TABLE && (!target.schema || table.schema === target.schema),
  );
  if (!exists) return [];
  const rows = await (target.db as unknown as UntypedDb)
    .selectFrom(MIGRATION_TABLE)
    .select('name')
    .orderBy('name')
    .execute();
  return rows.map((row) => String(row.name));
}

/**
 * Compare the database's applied migrations with this code's list.
 */
export async function readSchemaStatus(target: MigrationTarget): Promise<SchemaStatus> {
  const known = Object.keys(target.migrations ?? storeMigrations(target.flavor)).sort();
  const applied = await appliedMigrations(target);
  const appliedSet = new Set(applied);
  const knownSet = new Set(known);
  return {
    applied: known.filter((name) => appliedSet.has(name)),
    pending: known.filter((name) => !appliedSet.has(name)),
    unknown: applied.filter((name) => !knownSet.has(name)),
  };
}

function tooNew(unknown: readonly string[]): StoreError {
  return new StoreError(
    'schema_too_new',
    `The database was migrated by a newer Halite (unknown migrations: ${unknown.join(', ')}); refusing to run.`,
    { details: { unknownMigrations: [...unknown] } },
  );
}

/**
 * Bring the database to the latest migration. Refuses (`schema_too_new`, nothing run) when the
 * database has migrations this code does not know; a failed migration is rolled back and
 * reported as `migration_failed`.
 */
export async function migrateToLatest(target: MigrationTarget): Promise<SchemaStatus> {
  const before = await readSchemaStatus(target);
  if (before.unknown.length > 0) throw tooNew(before.unknown);
  if (before.pending.length > 0) {
    const migrator = new Migrator({
      db: target.db,
      provider: new StoreMigrationProvider(target.flavor, target.migrations),
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
      ...(target.schema ? { migrationTableSchema: target.schema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    if (error !== undefined) {
      // Another process may have applied a newer migration between the check and the run.
      const after = await readSchemaStatus(target).catch(() => undefined);
      if (after && after.unknown.length > 0) throw tooNew(after.unknown);
      if (error instanceof StoreError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new StoreError('migration_failed', `Migration failed: ${message}`, { cause: error });
    }
  }
  return readSchemaStatus(target);
}
