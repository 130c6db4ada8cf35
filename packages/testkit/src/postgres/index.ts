import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** A PostgreSQL server for tests and benchmarks. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, or `HALITE_TEST_PG_URL`. */
  url: string;
  /** Whether the server came from `HALITE_TEST_PG_URL` (then `stop()` leaves it running). */
  external: boolean;
  /** Stop the throwaway cluster and delete its directory (no-op for an external server). */
  stop(): Promise<void>;
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /**
   * Trade durability for speed (`fsync=off`, `synchronous_commit=off`, no full-page writes):
   * right for tests, wrong for benchmarks. Default `false`.
   */
  fast?: boolean;
  /** The directory holding `initdb` and `pg_ctl`. Default: `HALITE_PG_BIN`, else the newest `/usr/lib/postgresql/<n>/bin`. */
  binDir?: string;
}

/** Why PostgreSQL could not be had. */
export class PostgresUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(
      `${message}\nSet HALITE_TEST_PG_URL=postgres://… to use a running server, or HALITE_TEST_SKIP_PG=1 to skip the PostgreSQL tests.`,
      options,
    );
    this.name = 'PostgresUnavailableError';
  }
}

function findBinDir(explicit: string | undefined): string {
  const candidates: string[] = [];
  if (explicit) candidates.push(explicit);
  if (process.env.HALITE_PG_BIN) candidates.push(process.env.HALITE_PG_BIN);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(root, v, 'bin')));
  }
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found) {
    throw new PostgresUnavailableError(
      `No PostgreSQL binaries found (looked for initdb and pg_ctl in ${candidates.join(', ') || `${root}/<version>/bin`}).`,
    );
  }
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** The command line that runs `bin args…` as the `postgres` user when we are root. */
function asPostgres(bin: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

/**
 * A PostgreSQL server on loopback for tests and benchmarks. With `HALITE_TEST_PG_URL` set, that
 * server is used as is. Otherwise a throwaway cluster is created with the installed binaries
 * (`initdb` + `pg_ctl`, as the `postgres` OS user when we are root) in a temp directory, on a
 * free loopback port with trust authentication, and removed by `stop()` (or at process exit).
 * Throws {@link PostgresUnavailableError} with the reason when neither works.
 *
 * @example
 * ```ts
 * const server = await startPostgres({ fast: true });
 * const store = await createPostgresStore({ connectionString: server.url, schema: uniqueSchemaName('t') });
 * // …
 * await server.stop();
 * ```
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const external = process.env.HALITE_TEST_PG_URL;
  if (external) {
    await checkConnection(external);
    return { url: external, external: true, stop: async () => {} };
  }
  const bin = findBinDir(options.binDir);
  const dir = await mkdtemp(join(tmpdir(), 'halite-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  try {
    await mkdir(data);
    if (isRoot()) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      await chown(dir, uid, gid);
      await chown(data, uid, gid);
    }
    const [initCmd, initArgs] = asPostgres(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    await run(initCmd, initArgs);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new PostgresUnavailableError(`initdb failed: ${describe(error)}`, { cause: error });
  }

  const settings = ['-c listen_addresses=127.0.0.1', `-k ${dir}`, '-c max_connections=100'];
  if (options.fast) settings.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const [cmd, args] = asPostgres(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      log,
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} ${settings.join(' ')}`,
      'start',
    ]);
    try {
      await run(cmd, args);
    } catch (error) {
      lastError = error;
      continue;
    }
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const stopSync = () => {
      const [stopCmd, stopArgs] = asPostgres(join(bin, 'pg_ctl'), [
        '-D',
        data,
        '-m',
        'immediate',
        '-w',
        'stop',
      ]);
      spawnSync(stopCmd, stopArgs, { stdio: 'ignore' });
    };
    // A crashed test run must not leave a server behind.
    process.once('exit', stopSync);
    return {
      url,
      external: false,
      async stop() {
        process.removeListener('exit', stopSync);
        const [stopCmd, stopArgs] = asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
        await run(stopCmd, stopArgs).catch(() => stopSync());
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
  await rm(dir, { recursive: true, force: true });
  throw new PostgresUnavailableError(`pg_ctl start failed: ${describe(lastError)}\n${serverLog}`, {
    cause: lastError,
  });
}

async function checkConnection(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new PostgresUnavailableError(`Cannot connect to HALITE_TEST_PG_URL: ${describe(error)}`, {
      cause: error,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'stderr' in error && String(error.stderr).trim()) {
    return String(error.stderr).trim();
  }
  return error instanceof Error ? error.message : String(error);
}

let schemaCounter = 0;

/** A schema name unique to this process and call, e.g. `t_4711_3_k2j9`: one per test or file. */
export function uniqueSchemaName(prefix = 'halite_test'): string {
  schemaCounter++;
  return `${prefix}_${process.pid}_${schemaCounter}_${Math.random().toString(36).slice(2, 6)}`;
}

/** Run SQL on `url` with `search_path` set to `schema` (one connection, closed after). */
export async function execInSchema(url: string, schema: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`set search_path to "${schema}"`);
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Drop a schema and everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
