import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createHalite,
  type Halite,
  type Logger,
  MIN_SECRET_LENGTH,
  SaltSettingsUpdate,
  type Store,
} from '@halite/core';
import type { CookieSecureMode } from '../halite-auth.js';
import { createHaliteHandler } from '../halite-handler.js';
import { toNodeListener } from '../node/to-node-listener.js';
import { createStaticHandler } from './static-files.js';
import { openStore, parseStoreUrl } from './store-url.js';

/** Why the server refused to start (bad configuration): the CLI prints it and exits 1. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The reference server's configuration, read from `HALITE_*` environment variables. */
export interface ServerConfig {
  /** `HALITE_SECRET`: encrypts the salt-api password at rest (≥ 32 characters). */
  secret: string;
  /** `HALITE_DATABASE_URL`: a SQLite path (default `./halite.sqlite`) or a `postgres://` URL. */
  databaseUrl: string | undefined;
  /** `HALITE_HOST` (default 127.0.0.1). */
  host: string;
  /** `HALITE_PORT` (default 8080; 0 picks a free port). */
  port: number;
  /** `HALITE_TRUST_PROXY=true`: believe X-Forwarded-* (only behind your own reverse proxy). */
  trustProxy: boolean;
  /** `HALITE_COOKIE_SECURE`: `auto` (default: `Secure` over HTTPS), `always` or `never`. */
  cookieSecure?: CookieSecureMode | undefined;
  /** `HALITE_CONSOLE_DIR`: the built web console to serve at `/` (default: `@halite/console` if installed). */
  consoleDir: string | null;
  /** `HALITE_SALT_URL`, `_USERNAME`, `_PASSWORD`, `_EAUTH`, `_VERIFY`: saved to the settings at start. */
  salt: SaltSettingsUpdate | null;
  /** `HALITE_ADMIN_PASSWORD`: the first-boot `admin` password (else one is generated and logged once). */
  adminPassword?: string | undefined;
  /**
   * `HALITE_READ_CACHE_MS`: how long identical list reads may share one answer (default 1000;
   * `0` sends every read to the database). Writes through this server end it at once.
   */
  readCacheMs?: number | undefined;
}

/** Reads and checks the configuration; throws {@link ConfigError} with a message that says what to fix. */
export function readServerConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const secret = env.HALITE_SECRET ?? '';
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `HALITE_SECRET must be set to at least ${MIN_SECRET_LENGTH} characters: it encrypts the salt-api password at rest. ` +
        "Generate one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"",
    );
  }
  const portText = env.HALITE_PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535)
    throw new ConfigError(`HALITE_PORT must be a port number, not ${portText}`);
  const bool = (name: string, value: string | undefined, fallback: boolean) => {
    if (value === undefined || value === '') return fallback;
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
    throw new ConfigError(`${name} must be true or false, not ${value}`);
  };
  return {
    secret,
    databaseUrl: env.HALITE_DATABASE_URL,
    host: env.HALITE_HOST?.trim() || '127.0.0.1',
    port,
    trustProxy: bool('HALITE_TRUST_PROXY', env.HALITE_TRUST_PROXY, false),
    cookieSecure: cookieSecureFrom(env.HALITE_COOKIE_SECURE),
    consoleDir: env.HALITE_CONSOLE_DIR?.trim() || findConsole(),
    salt: saltFromEnv(env, bool),
    adminPassword: env.HALITE_ADMIN_PASSWORD || undefined,
    readCacheMs: readCacheMsFrom(env.HALITE_READ_CACHE_MS),
  };
}

/** `HALITE_READ_CACHE_MS`: whole milliseconds, at most a minute (the freshness flags age with it). */
function readCacheMsFrom(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const ms = Number(value);
  if (!/^\d+$/.test(value.trim()) || ms > 60_000) {
    throw new ConfigError(`HALITE_READ_CACHE_MS must be 0 to 60000 milliseconds, not ${value}`);
  }
  return ms;
}

/** `HALITE_COOKIE_SECURE`: `auto`, `always` or `never` (`true`/`false` and the like also do). */
function cookieSecureFrom(value: string | undefined): CookieSecureMode {
  const v = value?.trim().toLowerCase() ?? '';
  if (v === '' || v === 'auto') return 'auto';
  if (/^(always|1|true|yes|on)$/.test(v)) return 'always';
  if (/^(never|0|false|no|off)$/.test(v)) return 'never';
  throw new ConfigError(`HALITE_COOKIE_SECURE must be auto, always or never, not ${value}`);
}

const SALT_ENV = {
  url: 'HALITE_SALT_URL',
  username: 'HALITE_SALT_USERNAME',
  password: 'HALITE_SALT_PASSWORD',
  eauth: 'HALITE_SALT_EAUTH',
  verify: 'HALITE_SALT_VERIFY',
} as const;

/** The `HALITE_SALT_*` variables as a settings change, checked by the same schema as the API. */
function saltFromEnv(
  env: NodeJS.ProcessEnv,
  bool: (name: string, value: string | undefined, fallback: boolean) => boolean,
): SaltSettingsUpdate | null {
  if (!env.HALITE_SALT_URL?.trim()) return null;
  const raw: Record<string, unknown> = { url: env.HALITE_SALT_URL.trim() };
  if (env.HALITE_SALT_USERNAME) raw.username = env.HALITE_SALT_USERNAME;
  if (env.HALITE_SALT_PASSWORD) raw.password = env.HALITE_SALT_PASSWORD;
  if (env.HALITE_SALT_EAUTH) raw.eauth = env.HALITE_SALT_EAUTH;
  if (env.HALITE_SALT_VERIFY) raw.verify = bool('HALITE_SALT_VERIFY', env.HALITE_SALT_VERIFY, true);
  const parsed = SaltSettingsUpdate.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'url') as keyof typeof SALT_ENV;
    throw new ConfigError(`${SALT_ENV[field] ?? 'HALITE_SALT_*'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** A running reference server. */
export interface RunningServer {
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The Halite instance it serves. */
  halite: Halite;
  /** The Node server. */
  server: Server;
  /** Graceful stop: no new connections, pollers and consumer stopped, SSE streams closed, Store closed. */
  close(): Promise<void>;
}

/**
 * Starts the reference server: opens (and migrates) the Store, boots Halite from the saved
 * settings (plus any `HALITE_SALT_*` given), serves the API and, when built, the web console.
 */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const started = performance.now();
  const target = parseStoreUrl(config.databaseUrl);
  const store: Store = await openStore(target);
  let halite: Halite;
  try {
    halite = await createHalite({
      store,
      secret: config.secret,
      logger,
      adminPassword: config.adminPassword,
      ...(config.readCacheMs !== undefined
        ? { readCache: config.readCacheMs === 0 ? false : { ttlMs: config.readCacheMs } }
        : {}),
    });
    if (config.salt) await halite.settings.updateSalt(config.salt);
  } catch (error) {
    await store.close();
    throw error;
  }
  const api = createHaliteHandler(halite, { logger, cookieSecure: config.cookieSecure ?? 'auto' });
  const serveStatic = config.consoleDir ? createStaticHandler(config.consoleDir) : null;
  const handler = async (request: Request) => (await serveStatic?.(request)) ?? api(request);
  const server = createServer(toNodeListener(handler, { trustProxy: config.trustProxy }));
  server.keepAliveTimeout = 65_000;
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(config.port, config.host, () => done());
    });
  } catch (error) {
    // Nothing is served: stop what was started, so a caller that handles this is not left with
    // a retrying runtime and an open database.
    await halite.close();
    await store.close();
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new ConfigError(
        `HALITE_HOST/HALITE_PORT: cannot listen on ${config.host}:${config.port} (${code}): ${(error as Error).message}`,
      );
    }
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info('halite listening', {
    url,
    database: target.kind === 'sqlite' ? resolve(target.filename) : 'postgres',
    console: config.consoleDir ?? null,
    salt: halite.runtime.status().salt.state,
    startup_ms: Math.round(performance.now() - started),
  });
  let closing: Promise<void> | null = null;
  return {
    url,
    halite,
    server,
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((done) => server.close(() => done()));
        await halite.close(); // ends every SSE stream, so open connections can finish
        // A keep-alive connection goes idle once its response (an event stream ending now) is
        // written; close each as it does, rather than wait for the client to hang up.
        server.closeIdleConnections();
        const sweep = setInterval(() => server.closeIdleConnections(), 25);
        const force = setTimeout(() => server.closeAllConnections(), 5_000);
        await stopped;
        clearInterval(sweep);
        clearTimeout(force);
        await store.close();
        logger.info('halite stopped');
      })();
      return closing;
    },
  };
}

/**
 * The built web console: an installed `@halite/console`, else the workspace's
 * `packages/console/dist` beside this package (a checkout run with `pnpm start` or `halite serve`).
 */
export function findConsole(from: string = fileURLToPath(import.meta.url)): string | null {
  const built = (dist: string) => (existsSync(join(dist, 'index.html')) ? dist : null);
  try {
    const pkg = import.meta.resolve('@halite/console/package.json');
    const found = built(join(dirname(fileURLToPath(pkg)), 'dist'));
    if (found) return found;
  } catch {
    // not installed: look in the workspace
  }
  // From src/server/serve.ts or the bundled dist/cli.js up to this package's root.
  for (let dir = dirname(from); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name !== '@halite/http')
        return null;
    } catch {
      return null;
    }
    return built(join(dir, '..', 'console', 'dist'));
  }
  return null;
}
