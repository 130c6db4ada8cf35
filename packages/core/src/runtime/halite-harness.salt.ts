import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';
import { createHaliteHandler, toNodeListener } from '../../../http-adapter/src/index.js';
import { createSqliteStore } from '../../../store-sqlite/src/index.js';
import type { SaltLab } from '../../../testkit/src/lab/lab.js';
import type { ActivityItem } from '../activity/schemas.js';
import { createHalite, type Halite } from '../halite.js';
import type { LogFields, Logger } from '../logger.js';
import type { PollerSettingsUpdate } from '../settings/schemas.js';
import type { Store } from '../store/store.js';

/** A secret of the required length (the salt-api password is encrypted with it). */
export const TEST_SECRET = 'halite-salt-lane-secret-0123456789abcdef';

/** One recorded log line. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields | undefined;
  at: number;
}

/** A logger that keeps every line (and echoes warnings and errors when `HALITE_E2E_LOG` is set). */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const echo = process.env.HALITE_E2E_LOG === '1';
  const at =
    (level: LogLine['level']) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields, at: Date.now() });
      if (echo && (level === 'warn' || level === 'error'))
        process.stderr.write(`[halite ${level}] ${message} ${JSON.stringify(fields ?? {})}\n`);
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A parsed JSON body, loosely typed: the tests assert its shape. */
// biome-ignore lint/suspicious/noExplicitAny: test-only JSON bodies, checked by the assertions
export type Json = any;

/** An HTTP answer: the status and the parsed JSON body (null when empty, text when not JSON). */
export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

/** JSON calls against a base URL. */
export interface ApiCaller {
  readonly baseUrl: string;
  get<T = Json>(path: string): Promise<ApiAnswer<T>>;
  post<T = Json>(path: string, body?: unknown): Promise<ApiAnswer<T>>;
  put<T = Json>(path: string, body: unknown): Promise<ApiAnswer<T>>;
  delete<T = Json>(path: string): Promise<ApiAnswer<T>>;
}

/** A JSON caller of `baseUrl` (each request bounded at 60 s). */
export function apiCaller(baseUrl: string): ApiCaller {
  const call = async <T>(method: string, p: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const res = await fetch(`${baseUrl}${p}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: unknown = null;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed as T };
  };
  return {
    baseUrl,
    get: (p) => call('GET', p),
    post: (p, body) => call('POST', p, body ?? {}),
    put: (p, body) => call('PUT', p, body),
    delete: (p) => call('DELETE', p),
  };
}

/** Options of {@link until}. */
export interface UntilOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between tries (default 250 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/**
 * Calls `probe` until it returns something other than `undefined`, `null` or `false`, and
 * returns that; a probe that throws counts as "not yet". Times out with the last value or error.
 */
export async function until<T>(
  probe: () => T | Promise<T>,
  options: UntilOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false)
        return value as Exclude<T, undefined | null | false>;
      last = value;
    } catch (error) {
      last = error instanceof Error ? `${error.name}: ${error.message}` : error;
    }
    if (Date.now() >= deadline) {
      const shown = typeof last === 'string' ? last : JSON.stringify(last)?.slice(0, 2_000);
      throw new Error(
        `timed out after ${options.timeoutMs ?? 30_000} ms waiting for ${options.what ?? 'a condition'} (last: ${shown})`,
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}

/** Halite on a SQLite file, served on loopback through the real handler. */
export interface HaliteUnderTest {
  /** The HTTP base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** JSON calls against it. */
  api: ApiCaller;
  halite: Halite;
  store: Store;
  /** Every line Halite logged. */
  logger: ReturnType<typeof recordingLogger>;
  /** The SQLite file. */
  filename: string;
  /** Stops the server and Halite and closes the Store (the temp dir stays unless `removeDir`). */
  close(options?: { removeDir?: boolean }): Promise<void>;
}

/**
 * Creates Halite on `<dir>/halite.sqlite` (a new temp dir unless given), boots it from the saved
 * settings, and serves `createHaliteHandler(halite)` with node:http on 127.0.0.1. `ringSize`
 * shrinks the live hub's replay ring, so a resume reaches back into the Store.
 */
export async function startHalite(
  options: { dir?: string; ringSize?: number } = {},
): Promise<HaliteUnderTest> {
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'halite-e2e-')));
  const filename = path.join(dir, 'halite.sqlite');
  const store = await createSqliteStore({ filename });
  const logger = recordingLogger();
  const halite = await createHalite({
    store,
    secret: TEST_SECRET,
    logger,
    // These tests are about Salt, not login: every request is a host principal with every permission.
    authenticate: async () => ({ id: 'e2e', name: 'e2e', permissions: ['*'], via: 'host' }),
    ...(options.ringSize === undefined ? {} : { eventHub: { ringSize: options.ringSize } }),
  });
  const server = createServer(toNodeListener(createHaliteHandler(halite, { logger }), { logger }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed = false;
  return {
    url,
    api: apiCaller(url),
    halite,
    store,
    logger,
    filename,
    async close({ removeDir = false } = {}) {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await halite.close();
      server.closeAllConnections();
      await stopped;
      await store.close();
      if (removeDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Stops the lab (Halite must be closed first: `lab.stop()` waits for runner calls in flight). */
export async function stopLab(lab: SaltLab | undefined): Promise<void> {
  await lab?.stop();
}

/** Short poller intervals for tests: every pass within a few seconds. */
export const FAST_POLLERS: PollerSettingsUpdate = {
  minion_state_keys_interval_seconds: 2,
  minion_state_presence_interval_seconds: 2,
  minion_state_grains_interval_seconds: 3,
  minion_state_initial_delay_seconds: 0,
  jobs_poll_interval_seconds: 2,
};

/** Points Halite at the lab through the settings API (pollers first, then the connection). */
export async function configureSalt(
  api: ApiCaller,
  lab: SaltLab,
  pollers: PollerSettingsUpdate = FAST_POLLERS,
): Promise<void> {
  const p = await api.put('/api/admin/settings/pollers', pollers);
  if (p.status !== 200) throw new Error(`PUT pollers: ${p.status} ${JSON.stringify(p.body)}`);
  const s = await api.put('/api/admin/settings/salt', {
    url: lab.url,
    username: lab.username,
    password: lab.password,
    eauth: lab.eauth,
    verify: false,
  });
  if (s.status !== 200) throw new Error(`PUT salt: ${s.status} ${JSON.stringify(s.body)}`);
}

/** One message of an SSE stream. */
export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** A reader of `GET /api/activity/stream` that keeps every event. */
export interface SseClient {
  /** The HTTP status of the stream response. */
  status: number;
  /** The response headers. */
  headers: Headers;
  /** Every event so far, in arrival order. */
  events: SseEvent[];
  /** The activity items of the events so far (the `reset` events left out). */
  items(): ActivityItem[];
  /** Waits for an activity item matching `predicate` (only those received after `fromIndex`). */
  waitFor(
    predicate: (item: ActivityItem) => boolean,
    options?: UntilOptions & { fromIndex?: number },
  ): Promise<ActivityItem>;
  /** Whether the stream is still open. */
  readonly open: boolean;
  /** Closes the connection. */
  close(): void;
}

/** Opens an SSE stream (`Last-Event-ID` when given) and reads it in the background. */
export async function openSse(url: string, options: { lastEventId?: number } = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: {
      accept: 'text/event-stream',
      ...(options.lastEventId === undefined ? {} : { 'last-event-id': String(options.lastEventId) }),
    },
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  let open = res.ok && res.body !== null;
  const parser = createParser({
    onEvent: (e) => events.push({ id: e.id, event: e.event, data: e.data }),
  });
  if (open && res.body) {
    const body = res.body;
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
          parser.feed(decoder.decode(chunk, { stream: true }));
        }
      } catch {
        // aborted by close()
      } finally {
        open = false;
      }
    })();
  } else {
    await res.body?.cancel();
  }
  const items = () =>
    events.filter((e) => e.event === undefined).map((e) => JSON.parse(e.data) as ActivityItem);
  return {
    status: res.status,
    headers: res.headers,
    events,
    items,
    get open() {
      return open;
    },
    waitFor(predicate, { fromIndex = 0, ...rest } = {}) {
      return until(() => items().slice(fromIndex).find(predicate), { intervalMs: 50, ...rest });
    },
    close() {
      abort.abort();
    },
  };
}
