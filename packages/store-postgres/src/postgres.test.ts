import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  type Database,
  MIGRATION_LOCK_TABLE,
  MIGRATION_TABLE,
  StoreError,
  StoreMigrationProvider,
  storeMigrations,
} from '@halite/core';
import { dropSchema, uniqueSchemaName } from '@halite/testkit/postgres';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { postgresFlavor } from './flavor.js';
import { createPostgresStore } from './index.js';

const url = inject('pgUrl');
const schemas: string[] = [];
const schema = () => {
  const name = uniqueSchemaName('adapter');
  schemas.push(name);
  return name;
};
afterAll(async () => {
  if (url) for (const name of schemas) await dropSchema(url, name);
});

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

describe.skipIf(!url)('createPostgresStore', () => {
  it('fails with unavailable when nothing listens', async () => {
    const port = await closedPort();
    const error = await createPostgresStore({
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe('unavailable');
  });

  it('refuses a schema name that is not an identifier, and a missing or double target', async () => {
    const bad = await createPostgresStore({ connectionString: url, schema: 'x; drop table y' }).catch(
      (e: unknown) => e,
    );
    expect((bad as StoreError).kind).toBe('invalid_input');
    const none = await createPostgresStore({}).catch((e: unknown) => e);
    expect((none as StoreError).kind).toBe('invalid_input');
  });

  it('keeps its tables and migration table in its own schema', async () => {
    const name = schema();
    const store = await createPostgresStore({ connectionString: url, schema: name });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1 order by table_name',
      [name],
    );
    await client.end();
    expect(rows.map((r) => r.table_name)).toEqual([
      'activity_events',
      'api_tokens',
      'app_settings',
      'audit_log',
      'halite_migrations',
      'halite_migrations_lock',
      'ingest_marks',
      'job_returns',
      'jobs_index',
      'minion_snapshots',
      'permissions',
      'roles',
      'sessions',
      'user_roles',
      'users',
    ]);
    await store.close();
  });

  it('uses a pool it is given and leaves it open on close', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const store = await createPostgresStore({ pool, schema: schema() });
    await store.minions.reconcile({ insert: [{ minionId: 'a', keyStatus: 'accepted' }] });
    await store.close();
    await expect(store.minions.count()).rejects.toMatchObject({ kind: 'unavailable' });
    const { rows } = await pool.query<{ one: number }>('select 1 as one');
    expect(rows).toEqual([{ one: 1 }]);
    await pool.end();
  });

  it('migrates from the command line, idempotently', () => {
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    const name = schema();
    const run = (command: string) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            '--import',
            'tsx',
            '--conditions=dev-source',
            cli,
            command,
            '--connection-string',
            url,
            '--schema',
            name,
          ],
          { encoding: 'utf8' },
        ),
      );
    expect(run('status')).toEqual({
      applied: [],
      pending: ['0001_initial_schema', '0002_audit_client_address', '0003_job_initiator'],
      unknown: [],
    });
    expect(run('migrate')).toEqual({
      applied: ['0001_initial_schema', '0002_audit_client_address', '0003_job_initiator'],
      pending: [],
      unknown: [],
    });
    expect(run('migrate')).toEqual({
      applied: ['0001_initial_schema', '0002_audit_client_address', '0003_job_initiator'],
      pending: [],
      unknown: [],
    });
  });

  it('migrates a schema at 0002 to 0003: existing jobs get a null initiator', async () => {
    const name = schema();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }).withSchema(name);
    const upTo0002 = Object.fromEntries(
      Object.entries(storeMigrations(postgresFlavor)).filter(([migration]) => migration <= '0002'),
    );
    const migrator = new Migrator({
      db,
      provider: new StoreMigrationProvider(postgresFlavor, upTo0002),
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
      migrationTableSchema: name,
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

    const store = await createPostgresStore({ connectionString: url, schema: name, poolSize: 2 });
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

  it('migrates once when several stores start together on an empty schema', async () => {
    const name = schema();
    const stores = await Promise.all(
      Array.from({ length: 4 }, () =>
        createPostgresStore({ connectionString: url, schema: name, poolSize: 2 }),
      ),
    );
    for (const store of stores) {
      expect(await store.schemaStatus()).toEqual({
        applied: ['0001_initial_schema', '0002_audit_client_address', '0003_job_initiator'],
        pending: [],
        unknown: [],
      });
      await store.close();
    }
  });
});
