import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createKyselyStore,
  type Database,
  MIGRATION_LOCK_TABLE,
  MIGRATION_TABLE,
  StoreError,
  StoreMigrationProvider,
  storeMigrations,
} from '@halite/core';
import { describeStoreConformance } from '@halite/testkit/store-conformance';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { HaliteSqliteDialect } from './dialect.js';
import { createSqliteStore, sqliteFlavor } from './index.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'halite-sqlite-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('createSqliteStore', () => {
  it('sets WAL, synchronous=NORMAL, foreign keys and a busy timeout on the connection', async () => {
    const database = new BetterSqlite3(join(tempDir(), 'halite.db'));
    const store = await createSqliteStore({ database });
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.pragma('synchronous', { simple: true })).toBe(1);
    expect(database.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(database.pragma('busy_timeout', { simple: true })).toBe(20);
    await store.close();
    // A handle the caller gave stays open.
    expect(database.open).toBe(true);
    database.close();
  });

  it('opens :memory: by file name', async () => {
    const store = await createSqliteStore({ filename: ':memory:' });
    expect(store.flavor).toBe('sqlite');
    await store.minions.reconcile({ insert: [{ minionId: 'a', keyStatus: 'accepted' }] });
    expect(await store.minions.count()).toBe(1);
    await store.close();
  });

  it('fails with unavailable when the file cannot be opened, and with invalid_input without a target', async () => {
    const error = await createSqliteStore({ filename: join(tempDir(), 'missing', 'dir', 'x.db') }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe('unavailable');
    const none = await createSqliteStore({}).catch((e: unknown) => e);
    expect((none as StoreError).kind).toBe('invalid_input');
  });

  it('leaves the schema alone with migrate: false until migrate() is called', async () => {
    const store = await createSqliteStore({ filename: ':memory:', migrate: false });
    expect(await store.schemaStatus()).toEqual({
      applied: [],
      pending: ['0001_initial_schema', '0002_audit_client_address', '0003_job_initiator'],
      unknown: [],
    });
    await expect(store.migrate()).resolves.toEqual({
      applied: ['0001_initial_schema', '0002_audit_client_address', '0003_job_initiator'],
      pending: [],
      unknown: [],
    });
    await store.close();
  });

  it('migrates a database at 0002 to 0003: existing jobs get a null initiator', async () => {
    const filename = join(tempDir(), 'old.db');
    const database = new BetterSqlite3(filename);
    const db = new Kysely<Database>({ dialect: new HaliteSqliteDialect({ database, busyTimeoutMs: 1000 }) });
    const upTo0002 = Object.fromEntries(
      Object.entries(storeMigrations(sqliteFlavor)).filter(([name]) => name <= '0002'),
    );
    const migrator = new Migrator({
      db,
      provider: new StoreMigrationProvider(sqliteFlavor, upTo0002),
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
    });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const jid = '20250102030405000000';
    const at = '2025-01-02T03:04:05.000Z';
    await db
      .insertInto('jobs_index')
      .values({
        jid,
        function: 'test.ping',
        target: '*',
        target_type: 'glob',
        user_name: 'saltapi',
        start_time: at,
        status: 'finished',
        seen_at: at,
        updated_at: at,
      } as never)
      .execute();
    await db.destroy();
    if (database.open) database.close();

    const store = await createSqliteStore({ filename });
    expect((await store.schemaStatus()).applied).toEqual([
      '0001_initial_schema',
      '0002_audit_client_address',
      '0003_job_initiator',
    ]);
    expect(await store.jobs.get(jid)).toMatchObject({ user: 'saltapi', initiator: null, status: 'finished' });
    await store.jobs.upsert([{ jid, function: 'test.ping', startTime: at, initiator: 'alice' }]);
    expect(await store.jobs.get(jid)).toMatchObject({ user: 'saltapi', initiator: 'alice' });
    await store.close();
  });

  it('waits for another connection’s write lock without blocking the event loop', async () => {
    const filename = join(tempDir(), 'halite.db');
    const store = await createSqliteStore({ filename, busyTimeoutMs: 5000 });
    const other = new BetterSqlite3(filename);
    other.exec('begin immediate');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const write = store.minions.reconcile({ insert: [{ minionId: 'a', keyStatus: 'accepted' }] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    other.exec('commit');
    await expect(write).resolves.toEqual({ inserted: 1, updated: 0, deleted: 0 });
    clearInterval(timer);
    // The commit above could only run because the wait did not block; the timer ran meanwhile
    // (a few times at least: on a loaded machine a 5 ms interval fires far less than 40 times).
    expect(ticks).toBeGreaterThan(2);
    other.close();
    await store.close();
  });

  it('fails with busy once the busy timeout has passed', async () => {
    const filename = join(tempDir(), 'halite.db');
    const store = await createSqliteStore({ filename, busyTimeoutMs: 100 });
    const other = new BetterSqlite3(filename);
    other.exec('begin immediate');
    const error = await store.minions
      .reconcile({ insert: [{ minionId: 'a', keyStatus: 'accepted' }] })
      .catch((e: unknown) => e);
    other.exec('rollback');
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe('busy');
    other.close();
    await store.close();
  });

  it('migrates from the command line, idempotently', () => {
    const filename = join(tempDir(), 'cli.db');
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    const run = () =>
      JSON.parse(
        execFileSync(
          process.execPath,
          ['--import', 'tsx', '--conditions=dev-source', cli, 'migrate', '--filename', filename],
          {
            encoding: 'utf8',
          },
        ),
      );
    expect(run()).toEqual({
      applied: ['0001_initial_schema', '0002_audit_client_address', '0003_job_initiator'],
      pending: [],
      unknown: [],
    });
    expect(run()).toEqual({
      applied: ['0001_initial_schema', '0002_audit_client_address', '0003_job_initiator'],
      pending: [],
      unknown: [],
    });
  });
});

// The same suite through the fallback path an adapter without `insert … returning` takes.
describeStoreConformance({
  name: 'sqlite (:memory:, flavor without RETURNING)',
  async open(options) {
    const database = new BetterSqlite3(':memory:');
    database.pragma('foreign_keys = ON');
    const db = new Kysely<Database>({ dialect: new HaliteSqliteDialect({ database, busyTimeoutMs: 1000 }) });
    const store = await createKyselyStore(db, { ...sqliteFlavor, supportsReturning: false }, options);
    return {
      store,
      async exec(sql) {
        database.exec(sql);
      },
      async failWritesWhere(table, column, value) {
        for (const [op, row] of [
          ['insert', 'new'],
          ['update', 'new'],
          ['delete', 'old'],
        ] as const) {
          database.exec(
            `create trigger fail_${op} before ${op} on ${table} when ${row}.${column} = '${value}' begin select raise(abort, 'injected'); end`,
          );
        }
      },
      async dispose() {
        await store.close();
      },
    };
  },
});
