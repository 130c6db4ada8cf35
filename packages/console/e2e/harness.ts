import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import { type RunningServer, startServer } from '../../http-adapter/src/server/serve.js';
import { type SaltLab, startSaltLab } from '../../testkit/src/index.js';
import { buildConsoleIfStale } from '../scripts/build-if-stale.js';

/** The first-boot admin's password (`HALITE_ADMIN_PASSWORD`); the console makes it be changed. */
export const FIRST_BOOT_PASSWORD = 'browser-first-boot-password';
/** The admin's password after the forced change. */
export const ADMIN_PASSWORD = 'browser-admin-password-2';

/** Debian's Chromium (`apt-get install -y chromium`); browsers are never downloaded. */
export const CHROMIUM = process.env.HALITE_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that let Chromium run headless as root on a CI machine with no GPU and no network. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the browser lane's Salt labs live (short: Unix socket paths are limited). */
const LAB_PARENT = '/tmp/hb';

type ServerLogger = Parameters<typeof startServer>[1];

/** A JSON answer of the Halite API. */
export interface ApiAnswer {
  /** HTTP status. */
  status: number;
  /** Parsed body (null when empty). */
  body: unknown;
}

/** A cookie-holding client of the Halite API, for setup the console has no form for. */
export class ApiSession {
  private cookie = '';

  constructor(private readonly baseUrl: string) {}

  /** Sends a JSON request with the session cookie; keeps any new session cookie. */
  async call(method: string, p: string, body?: unknown): Promise<ApiAnswer> {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (this.cookie) headers.cookie = this.cookie;
    const res = await fetch(`${this.baseUrl}${p}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const session = res.headers.getSetCookie().find((c) => c.startsWith('halite_session='));
    if (session) this.cookie = session.split(';')[0] as string;
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  }

  /** Like {@link ApiSession.call}, but throws unless the status is 2xx. */
  async ok(method: string, p: string, body?: unknown): Promise<unknown> {
    const answer = await this.call(method, p, body);
    if (answer.status < 200 || answer.status > 299)
      throw new Error(`${method} ${p} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** Signs in with a username and password. */
  async login(username: string, password: string): Promise<void> {
    await this.ok('POST', '/api/auth/login', { username, password });
  }

  /** Uses the session of a browser context (same cookie), so API calls act as that user. */
  async adopt(context: BrowserContext): Promise<void> {
    const session = (await context.cookies(this.baseUrl)).find((c) => c.name === 'halite_session');
    if (!session) throw new Error('the browser has no halite_session cookie');
    this.cookie = `halite_session=${session.value}`;
  }
}

/** The running stack. */
export interface Stack {
  /** The reference server's base URL (console at `/`, API under `/api`). */
  url: string;
  /** The Salt lab. */
  lab: SaltLab;
  /** The reference server. */
  server: RunningServer;
  /** The browser (one per run; each test user gets a context of its own). */
  browser: Browser;
  /** Warnings and errors the server logged. */
  serverProblems: string[];
  /** A new browser context and page on the console, with errors thrown in the page collected. */
  newPage(
    options?: BrowserContextOptions,
  ): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  /** Stops the browser, the server and the lab, and removes the database. */
  close(): Promise<void>;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** `HALITE_PORT` of the server (default 0: a free port). */
  port?: number;
}

/** Starts the lab, the server (console built first if stale) and Chromium. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[browser] ${line}\n`));
  // HALITE_CONSOLE_DIR tests a console built elsewhere; else the workspace's, rebuilt if stale.
  const consoleDir = process.env.HALITE_CONSOLE_DIR || buildConsoleIfStale(log);
  const serverProblems: string[] = [];
  const logger: ServerLogger = {
    debug() {},
    info() {},
    warn: (message, fields) => void serverProblems.push(`warn ${message} ${JSON.stringify(fields ?? {})}`),
    error: (message, fields) => void serverProblems.push(`error ${message} ${JSON.stringify(fields ?? {})}`),
  };
  const started: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const stop of started.reverse()) await stop().catch((error) => log(`stop: ${String(error)}`));
    started.length = 0;
  };
  try {
    // A parent of its own: the Salt lane, which may run at the same time, checks that no lab
    // process under /tmp/hl-* outlives its tests.
    await mkdir(LAB_PARENT, { recursive: true });
    const [lab, browser] = await Promise.all([
      startSaltLab({ minions: ['m1', 'm2', 'm3'], pending: ['p1'], log, parentDir: LAB_PARENT }),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    ]);
    started.push(
      () => lab?.stop(),
      () => browser.close(),
    );
    const dir = await mkdtemp(path.join(os.tmpdir(), 'halite-browser-'));
    started.push(() => rm(dir, { recursive: true, force: true }));
    const server = await startServer(
      {
        secret: 'halite-browser-secret-0123456789abcdef-0123456789',
        databaseUrl: path.join(dir, 'halite.sqlite'),
        host: '127.0.0.1',
        port: options.port ?? 0,
        trustProxy: false,
        consoleDir,
        salt: null,
        adminPassword: FIRST_BOOT_PASSWORD,
      },
      logger,
    );
    started.push(() => server.close());
    log(`server ${server.url}, salt-api ${lab.url}, console ${consoleDir}`);
    return {
      url: server.url,
      lab,
      server,
      browser,
      serverProblems,
      async newPage(contextOptions = {}) {
        const context = await browser.newContext({ baseURL: server.url, ...contextOptions });
        // Generous for a loaded 2-core machine; every wait is for a condition, never a fixed time.
        context.setDefaultTimeout(30_000);
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
        return { context, page, errors };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Sets the server up over the API as the console's first run would: the admin's password
 * changed, short poller intervals and the event stream on, then the lab's salt-api saved.
 * For the screenshots; the browser test walks through the same steps in the console.
 */
export async function configureOverApi(stack: Stack): Promise<ApiSession> {
  const api = new ApiSession(stack.url);
  await api.login('admin', FIRST_BOOT_PASSWORD);
  await api.ok('POST', '/api/auth/change-password', {
    current_password: FIRST_BOOT_PASSWORD,
    new_password: ADMIN_PASSWORD,
  });
  await api.ok('PUT', '/api/admin/settings/pollers', FAST_POLLERS);
  const { lab } = stack;
  await api.ok('PUT', '/api/admin/settings/salt', {
    url: lab.url,
    username: lab.username,
    password: lab.password,
    eauth: lab.eauth,
  });
  return api;
}

/** Poller intervals short enough for a test to see changes in seconds; the event stream on. */
export const FAST_POLLERS = {
  minion_state_keys_interval_seconds: 2,
  minion_state_presence_interval_seconds: 2,
  minion_state_grains_interval_seconds: 3,
  minion_state_initial_delay_seconds: 1,
  jobs_poll_interval_seconds: 3,
  event_stream_enabled: true,
} as const;
