import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../src/server/json-logger.js';
import {
  ConfigError,
  findConsole,
  type RunningServer,
  readServerConfig,
  startServer,
} from '../src/server/serve.js';
import { createStaticHandler } from '../src/server/static-files.js';
import { EventStreamReader } from './event-stream-reader.js';
import { TEST_SECRET } from './seeded-halite.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'halite-server-'));
  await mkdir(join(dir, 'console', 'assets'), { recursive: true });
  await writeFile(
    join(dir, 'console', 'index.html'),
    '<!doctype html><title>Halite</title><div id="root"></div>',
  );
  await writeFile(join(dir, 'console', 'assets', 'app.js'), 'console.log("halite console");');
  await mkdir(join(dir, 'console-secret'), { recursive: true });
  await writeFile(join(dir, 'console-secret', 'secret.txt'), 'TOP-SECRET');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A logger that keeps every line it writes, parsed. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createJsonLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('findConsole', () => {
  /** A checkout-shaped tree: packages/http-adapter (name @halite/http) and packages/console. */
  async function workspace(name: string, manifestName: string): Promise<string> {
    const root = join(dir, name, 'packages');
    await mkdir(join(root, 'http-adapter', 'src', 'server'), { recursive: true });
    await mkdir(join(root, 'http-adapter', 'dist'), { recursive: true });
    await writeFile(join(root, 'http-adapter', 'package.json'), JSON.stringify({ name: manifestName }));
    await mkdir(join(root, 'console', 'dist'), { recursive: true });
    return root;
  }

  it('finds the workspace console beside the package, from the sources and from the bundle', async () => {
    const root = await workspace('ws-built', '@halite/http');
    await writeFile(join(root, 'console', 'dist', 'index.html'), '<!doctype html>');
    const dist = join(root, 'http-adapter', '..', 'console', 'dist');
    expect(findConsole(join(root, 'http-adapter', 'src', 'server', 'serve.ts'))).toBe(dist);
    expect(findConsole(join(root, 'http-adapter', 'dist', 'cli.js'))).toBe(dist);
  });

  it('finds nothing when the console is not built, or the package is not @halite/http', async () => {
    const unbuilt = await workspace('ws-unbuilt', '@halite/http');
    expect(findConsole(join(unbuilt, 'http-adapter', 'src', 'server', 'serve.ts'))).toBeNull();
    const other = await workspace('ws-other', 'some-other-package');
    await writeFile(join(other, 'console', 'dist', 'index.html'), '<!doctype html>');
    expect(findConsole(join(other, 'http-adapter', 'src', 'server', 'serve.ts'))).toBeNull();
  });
});

describe('readServerConfig', () => {
  const env = (extra: Record<string, string | undefined> = {}) => ({ HALITE_SECRET: TEST_SECRET, ...extra });

  it('reads the defaults: 127.0.0.1:8080, ./halite.sqlite, no Salt, no proxy trust', () => {
    const config = readServerConfig(env({ HALITE_CONSOLE_DIR: '/srv/console' }));
    expect(config).toEqual({
      secret: TEST_SECRET,
      databaseUrl: undefined,
      host: '127.0.0.1',
      port: 8080,
      trustProxy: false,
      cookieSecure: 'auto',
      consoleDir: '/srv/console',
      salt: null,
    });
  });

  it('reads HALITE_SALT_* as a settings change checked by the API schema', () => {
    const config = readServerConfig(
      env({
        HALITE_SALT_URL: 'https://salt.example:8000/',
        HALITE_SALT_USERNAME: 'svc',
        HALITE_SALT_PASSWORD: 'pw',
        HALITE_SALT_EAUTH: 'sharedsecret',
        HALITE_SALT_VERIFY: 'false',
      }),
    );
    expect(config.salt).toEqual({
      url: 'https://salt.example:8000',
      username: 'svc',
      password: 'pw',
      eauth: 'sharedsecret',
      verify: false,
    });
  });

  it.each([
    [{ HALITE_SECRET: undefined }, 'HALITE_SECRET'],
    [{ HALITE_SECRET: '' }, 'HALITE_SECRET'],
    [{ HALITE_SECRET: 'too-short-secret' }, 'HALITE_SECRET'],
    [{ HALITE_PORT: 'http' }, 'HALITE_PORT'],
    [{ HALITE_PORT: '70000' }, 'HALITE_PORT'],
    [{ HALITE_PORT: '-1' }, 'HALITE_PORT'],
    [{ HALITE_PORT: '80.5' }, 'HALITE_PORT'],
    [{ HALITE_PORT: '' }, 'HALITE_PORT'],
    [{ HALITE_SALT_URL: 'ftp://x' }, 'HALITE_SALT_URL'],
    [{ HALITE_SALT_URL: 'salt.example' }, 'HALITE_SALT_URL'],
    [{ HALITE_SALT_URL: 'http://salt', HALITE_SALT_EAUTH: 'kerberos' }, 'HALITE_SALT_EAUTH'],
    [{ HALITE_SALT_URL: 'http://salt', HALITE_SALT_VERIFY: 'maybe' }, 'HALITE_SALT_VERIFY'],
    [{ HALITE_TRUST_PROXY: 'sometimes' }, 'HALITE_TRUST_PROXY'],
    [{ HALITE_COOKIE_SECURE: 'sometimes' }, 'HALITE_COOKIE_SECURE'],
    [{ HALITE_READ_CACHE_MS: '1s' }, 'HALITE_READ_CACHE_MS'],
    [{ HALITE_READ_CACHE_MS: '-5' }, 'HALITE_READ_CACHE_MS'],
    [{ HALITE_READ_CACHE_MS: '60001' }, 'HALITE_READ_CACHE_MS'],
  ])('refuses %j with a ConfigError naming %s', (extra, name) => {
    const read = () => readServerConfig(env(extra));
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(name);
  });

  it.each([
    ['', 'auto'],
    ['auto', 'auto'],
    ['always', 'always'],
    ['TRUE', 'always'],
    ['never', 'never'],
    ['0', 'never'],
  ])('reads HALITE_COOKIE_SECURE=%j as %s', (value, mode) => {
    expect(readServerConfig(env({ HALITE_COOKIE_SECURE: value })).cookieSecure).toBe(mode);
  });

  it.each([
    [undefined, undefined],
    ['', undefined],
    ['0', 0],
    ['250', 250],
    [' 60000 ', 60_000],
  ])('reads HALITE_READ_CACHE_MS=%j as %s', (value, ms) => {
    expect(readServerConfig(env({ HALITE_READ_CACHE_MS: value })).readCacheMs).toBe(ms);
  });

  it('says how to make a secret', () => {
    expect(() => readServerConfig({})).toThrow(/at least 32 characters.*randomBytes/s);
  });
});

// Each login and password change costs a real scrypt (N=2^17): slow under a parallel run.
describe('startServer', { timeout: 30_000 }, () => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const start = async (extra: Record<string, string> = {}) => {
    const { logger, lines } = captureLogger();
    const database = join(dir, `halite-${Math.random().toString(36).slice(2)}.sqlite`);
    const config = readServerConfig({
      HALITE_SECRET: TEST_SECRET,
      HALITE_DATABASE_URL: database,
      HALITE_PORT: '0',
      HALITE_CONSOLE_DIR: join(dir, 'no-console-here'),
      HALITE_ADMIN_PASSWORD: 'first-boot-pw',
      ...extra,
    });
    running = await startServer({ ...config, consoleDir: extra.HALITE_CONSOLE_DIR ?? null }, logger);
    return { running, lines, database };
  };

  /** Logs in as the first-boot admin, changes the password as required, returns the cookie header. */
  const loginAdmin = async (url: string): Promise<Record<string, string>> => {
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'first-boot-pw' }),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ username: 'admin', must_change_pw: true });
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^halite_session=[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const cookie = { cookie: setCookie.split(';')[0] as string };
    const blocked = await fetch(`${url}/api/minions`, { headers: cookie });
    expect(blocked.status).toBe(403);
    const changed = await fetch(`${url}/api/auth/change-password`, {
      method: 'POST',
      headers: { ...cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ current_password: 'first-boot-pw', new_password: 'a-new-admin-password' }),
    });
    expect(changed.status).toBe(204);
    return cookie;
  };

  it('requires a login: /api answers 401 without a session, 200 after login and password change', async () => {
    const { running: server } = await start();
    expect((await fetch(`${server.url}/api/minions`)).status).toBe(401);
    const cookie = await loginAdmin(server.url);
    expect((await fetch(`${server.url}/api/minions`, { headers: cookie })).status).toBe(200);
    const audit = (await (await fetch(`${server.url}/api/audit`, { headers: cookie })).json()) as {
      entries: Array<{ action: string; decision: string; result_code: number }>;
    };
    expect(audit.entries.map((e) => [e.action, e.decision, e.result_code])).toEqual([
      ['auth.change_password', 'allow', 204],
      ['GET /api/minions', 'deny', 403],
      ['auth.login', 'allow', 200],
      ['GET /api/minions', 'deny', 401],
    ]);
  });

  it('serves /healthz, /readyz and /api/minions on a fresh SQLite file, and logs its startup time', async () => {
    const { running: server, lines, database } = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'degraded', checks: { db: 'ok', salt: 'unconfigured' } });
    const minions = await fetch(`${server.url}/api/minions`, { headers: await loginAdmin(server.url) });
    expect(minions.status).toBe(200);
    expect(await minions.json()).toMatchObject({
      total: 0,
      minions: [],
      last_refreshed_at: null,
      is_stale: true,
    });

    const listening = lines.find((l) => l.msg === 'halite listening');
    expect(listening).toMatchObject({
      level: 'info',
      url: server.url,
      database,
      salt: 'unconfigured',
      console: null,
    });
    expect(typeof listening?.startup_ms).toBe('number');
    expect(listening?.startup_ms).toBeGreaterThanOrEqual(0);
  });

  it('saves HALITE_SALT_* at start: configured, the password never logged', async () => {
    const { running: server, lines } = await start({
      HALITE_SALT_URL: 'http://127.0.0.1:1',
      HALITE_SALT_USERNAME: 'svc',
      HALITE_SALT_PASSWORD: 'pw-from-env-0815',
    });
    const cookie = await loginAdmin(server.url);
    const settings = (await (
      await fetch(`${server.url}/api/admin/settings`, { headers: cookie })
    ).json()) as {
      salt: Record<string, unknown>;
    };
    expect(settings.salt).toMatchObject({ url: 'http://127.0.0.1:1', username: 'svc', password_set: true });
    expect(JSON.stringify(lines)).not.toContain('pw-from-env-0815');
  });

  it('close() ends an open event stream, stops listening and closes the Store', async () => {
    const { running: server, lines } = await start();
    const cookie = await loginAdmin(server.url);
    const put = await fetch(`${server.url}/api/admin/settings/pollers`, {
      method: 'PUT',
      headers: { ...cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ event_stream_enabled: true }),
    });
    expect(put.status).toBe(200);
    const stream = await fetch(`${server.url}/api/activity/stream`, { headers: cookie });
    expect(stream.status).toBe(200);
    const reader = new EventStreamReader(stream.body as ReadableStream<Uint8Array>);
    expect(await reader.next()).toEqual({ comment: 'connected', retry: '2000' });

    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(3000);
    await reader.waitForEnd(2000);
    expect(reader.raw).toContain('event: reset');
    expect(reader.raw).toContain('"reason":"closed"');
    await expect(server.halite.store.ping()).rejects.toThrow();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    expect(lines.some((l) => l.msg === 'halite stopped')).toBe(true);
    running = undefined;
  });

  it('serves the console next to the API: files, SPA fallback, never over /api', async () => {
    const { running: server } = await start({ HALITE_CONSOLE_DIR: join(dir, 'console') });
    const index = await fetch(`${server.url}/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>Halite</title>');
    expect(await (await fetch(`${server.url}/minions/web-01`)).text()).toContain('<title>Halite</title>');
    expect(await (await fetch(`${server.url}/assets/app.js`)).text()).toBe('console.log("halite console");');
    const api = await fetch(`${server.url}/api/minions`);
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);
    const unknown = await fetch(`${server.url}/api/no-such-route`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const outside = await fetch(`${server.url}/..%2f..%2fconsole-secret%2fsecret.txt`);
    expect(await outside.text()).not.toContain('TOP-SECRET');
  });

  it('refuses a port in use with a ConfigError, and leaves nothing running', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const { logger } = captureLogger();
      const config = readServerConfig({
        HALITE_SECRET: TEST_SECRET,
        HALITE_DATABASE_URL: join(dir, 'in-use.sqlite'),
        HALITE_PORT: String(port),
      });
      await expect(startServer({ ...config, consoleDir: null }, logger)).rejects.toThrow(ConfigError);
      await expect(startServer({ ...config, consoleDir: null }, logger)).rejects.toThrow(
        /HALITE_PORT.*EADDRINUSE/,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('createStaticHandler', () => {
  let serve: (request: Request) => Promise<Response | null>;
  beforeAll(() => {
    serve = createStaticHandler(`${join(dir, 'console')}/`); // a trailing slash, as users write it
  });
  const get = (path: string, method = 'GET') => serve(new Request(`http://h${path}`, { method }));

  it('serves index.html at /, never cached', async () => {
    const res = await get('/');
    expect(res?.status).toBe(200);
    expect(res?.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res?.headers.get('cache-control')).toBe('no-cache');
    expect(await res?.text()).toContain('<div id="root">');
  });

  it('serves an asset with its type, cached for a year', async () => {
    const res = await get('/assets/app.js');
    expect(res?.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res?.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res?.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res?.text()).toBe('console.log("halite console");');
    const head = await get('/assets/app.js', 'HEAD');
    expect(head?.status).toBe(200);
    expect(head?.body).toBeNull();
  });

  it.each(['/minions/x', '/jobs/20250101000000000000', '/settings', '/minions/x.y'])(
    'falls back to index.html for the client route %s',
    async (path) => {
      const res = await get(path);
      expect(res?.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res?.text()).toContain('<div id="root">');
    },
  );

  it('answers a missing asset with null (a 404 from the API), not with index.html', async () => {
    expect(await get('/assets/missing-abc123.js')).toBeNull();
  });

  it.each([
    '/..%2f..%2fetc/passwd',
    '/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/..%2fconsole-secret%2fsecret.txt',
    '/assets/..%2f..%2fconsole-secret%2fsecret.txt',
    '/%2e%2e%2fconsole-secret%2fsecret.txt',
    '/..%5cconsole-secret%5csecret.txt',
    '/%00',
    '/%E0%A4%A',
  ])('never serves a file outside its root: %s', async (path) => {
    const res = await get(path);
    if (res !== null) {
      const text = await res.text();
      expect(text).not.toContain('TOP-SECRET');
      expect(text).not.toContain('root:');
    }
  });

  it.each(['/api/minions', '/api/openapi.json', '/api/no-such-route', '/api', '/healthz', '/readyz'])(
    'does not shadow %s',
    async (path) => {
      expect(await get(path)).toBeNull();
    },
  );

  it('leaves every method but GET and HEAD to the API', async () => {
    expect(await get('/', 'POST')).toBeNull();
    expect(await get('/assets/app.js', 'DELETE')).toBeNull();
  });
});
