import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyPassword } from '@halite/core';
import { createSqliteStore } from '@halite/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET } from './seeded-halite.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = join(ROOT, 'packages', 'http-adapter', 'src', 'cli.ts');

/** The environment of a CLI run: this process's, without any HALITE_* of the developer's. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('HALITE_')) env[name] = value;
  return { ...env, ...extra };
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runCli(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(TSX, ['--conditions=dev-source', CLI, ...args], {
    cwd: ROOT,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the halite CLI', { timeout: 30_000 }, () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'halite-cli-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('--help prints the usage and exits 0', async () => {
    const run = runCli(['--help']);
    expect(await within(20_000, run.exit, 'halite --help')).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('Usage:');
    expect(run.stdout()).toContain('halite serve');
    expect(run.stdout()).toContain('HALITE_SECRET');
  });

  it('exits 2 with the usage for an unknown command', async () => {
    const run = runCli(['frobnicate']);
    expect((await within(20_000, run.exit, 'halite frobnicate')).code).toBe(2);
    expect(run.stderr()).toContain('unknown command "frobnicate"');
  });

  it('serve without HALITE_SECRET exits 1 saying what to set, without a stack trace', async () => {
    const run = runCli(['serve'], { HALITE_DATABASE_URL: join(dir, 'never.sqlite') });
    expect((await within(20_000, run.exit, 'halite serve')).code).toBe(1);
    expect(run.stderr()).toMatch(/^halite: HALITE_SECRET must be set to at least 32 characters/);
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  });

  it('serve with a bad HALITE_PORT exits 1 naming it', async () => {
    const run = runCli(['serve'], { HALITE_SECRET: TEST_SECRET, HALITE_PORT: 'eighty' });
    expect((await within(20_000, run.exit, 'halite serve')).code).toBe(1);
    expect(run.stderr()).toContain('HALITE_PORT');
  });

  // Three CLI runs, one with a real scrypt: slow when the machine is busy.
  it('create-user creates a user with roles who can log in, and refuses a duplicate', {
    timeout: 75_000,
  }, async () => {
    const database = join(dir, 'users.sqlite');
    const env = { HALITE_DATABASE_URL: database, HALITE_NEW_USER_PASSWORD: 'ops-password-1' };
    const run = runCli(['create-user', 'ops', '--role', 'operator', '--role', 'viewer'], env);
    expect((await within(20_000, run.exit, 'create-user')).code).toBe(0);
    expect(run.stdout()).toMatch(/^created user ops \(/);
    expect(run.stdout()).not.toContain('ops-password-1');
    const store = await createSqliteStore({ filename: database });
    try {
      const creds = await store.users.getCredentials('ops');
      expect(await verifyPassword('ops-password-1', creds?.passwordHash ?? '')).toBe(true);
      expect(creds?.user.mustChangePassword).toBe(false);
      expect((await store.roles.rolesOf(creds?.user.id ?? '')).map((r) => r.name)).toEqual([
        'operator',
        'viewer',
      ]);
    } finally {
      await store.close();
    }
    const again = runCli(['create-user', 'OPS'], env);
    expect((await within(20_000, again.exit, 'create-user')).code).toBe(1);
    expect(again.stderr()).toContain('a user named "OPS" already exists');
    const unknownRole = runCli(['create-user', 'x', '--role', 'nope'], env);
    expect((await within(20_000, unknownRole.exit, 'create-user')).code).toBe(1);
    expect(unknownRole.stderr()).toContain('no role named "nope"');
  });

  it('migrate creates the schema in HALITE_DATABASE_URL and exits 0', async () => {
    const database = join(dir, 'migrated.sqlite');
    const run = runCli(['migrate'], { HALITE_DATABASE_URL: database });
    expect(await within(20_000, run.exit, 'halite migrate')).toEqual({ code: 0, signal: null });
    const line = JSON.parse(run.stdout().trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', msg: 'schema up to date', flavor: 'sqlite' });
    expect((await stat(database)).size).toBeGreaterThan(0);
  });

  it('serve answers on its port, and exits 0 within seconds of SIGTERM', async () => {
    const run = runCli(['serve'], {
      HALITE_SECRET: TEST_SECRET,
      HALITE_DATABASE_URL: join(dir, 'served.sqlite'),
      HALITE_PORT: '0',
    });
    children.push(run.child);
    const listening = await within(
      20_000,
      (async () => {
        while (true) {
          const line = run
            .stdout()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>)
            .find((l) => l.msg === 'halite listening');
          if (line) return line;
          if (run.child.exitCode !== null) throw new Error(`serve exited: ${run.stderr()}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
      'serve to listen',
    );
    expect(typeof listening.startup_ms).toBe('number');
    const url = listening.url as string;
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });

    const signalled = Date.now();
    run.child.kill('SIGTERM');
    expect(await within(5_000, run.exit, 'shutdown after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(run.stdout()).toContain('"msg":"shutting down","signal":"SIGTERM"');
    expect(run.stdout()).toContain('"msg":"halite stopped"');
  });
});
