import type { z } from 'zod';
import { type Logger, silentLogger } from '../logger.js';
import { SaltAPIError } from './errors.js';
import {
  DEFAULT_MAX_EVENT_LINE,
  emptySaltEventStreamStats,
  readSaltEvents,
  type SaltEventStreamStats,
} from './event-stream.js';
import { isRetryableIdempotentFailure, type SaltRetryOptions, withSaltRetry } from './retry.js';
import {
  type LocalAsyncResult,
  LocalAsyncResult as LocalAsyncResultSchema,
  type LocalResult,
  LocalResult as LocalResultSchema,
  LoginResponse,
  type LoginResult,
  LowstateResponse,
  PresentMinions,
  type SaltEvent,
  type TargetType,
  WheelResponse,
} from './schemas.js';
import { SaltSession } from './session.js';
import {
  parseSaltJson,
  parseSaltValue,
  type SaltHttpRequest,
  type SaltHttpResponse,
  type SaltHttpStream,
  SaltTransport,
} from './transport.js';

/** How to reach and log in to salt-api (rest_cherrypy). */
export interface SaltAPIClientOptions {
  /** Base URL of rest_cherrypy, e.g. `https://salt.example.com:8000` (with its `root_prefix`). */
  url: string;
  /** eauth user name. */
  username: string;
  /** eauth password. Sent only to `/login`; never logged. */
  password: string;
  /** eauth backend (default `pam`). */
  eauth?: string;
  /**
   * Verify the server certificate of an https URL (default true). `false` accepts a self-signed
   * certificate; it applies to the built-in transport, not to an injected `fetch`.
   */
  verifyTls?: boolean;
  /**
   * Deadline of one HTTP request in ms (default 30 000). For `/events` it covers the wait for the
   * response headers only. A `local` call with a Salt `timeout` gets that much longer.
   */
  timeoutMs?: number;
  /** Where the client logs (default: nowhere). Never receives the password or the token. */
  logger?: Logger;
  /** A `fetch` to use instead of the global one (tests, proxies). */
  fetch?: typeof fetch;
  /** The clock, in ms since the epoch (default `Date.now`); decides when a token is stale. */
  now?: () => number;
  /** Backoff of retried requests; the defaults are the contract (3 retries, 0.5 s → 4 s). */
  retry?: SaltRetryOptions;
  /** Longest `/events` line kept, in characters (default 8 MiB); longer events are dropped. */
  maxEventLineLength?: number;
}

/**
 * Options of one call.
 *
 * @typeParam S - the schema that checks the answer, when one is given.
 */
export interface SaltCallOptions<S extends z.ZodType = z.ZodType<unknown>> {
  /** Aborts the call (and its retries); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Deadline of each HTTP request of this call, in ms (default: the client's `timeoutMs`). */
  timeoutMs?: number;
  /** Backoff of this call's retries (default: the client's). */
  retry?: SaltRetryOptions;
  /** A zod schema the unwrapped answer must match; a mismatch throws {@link SaltAPIError}. */
  schema?: S;
}

/** A `local` / `local_async` call: run an execution function on the targeted minions. */
export interface LocalCallParams {
  /** Target expression (a list for `tgtType: 'list'`). */
  tgt: string | string[];
  /** Execution function, e.g. `test.ping`. */
  fun: string;
  /** Positional arguments. */
  arg?: unknown[];
  /** Keyword arguments. */
  kwarg?: Record<string, unknown>;
  /** How `tgt` is read (default `glob`). */
  tgtType?: TargetType;
  /** Salt's own timeout in seconds (how long the master waits for minions). */
  timeout?: number;
}

/** Options of {@link SaltAPIClient.events}. */
export interface SaltEventsOptions {
  /** Aborting it ends the iteration cleanly and closes the connection. */
  signal?: AbortSignal;
  /** Called once the stream is open (salt-api answered 200), before any event. */
  onOpen?: () => void;
}

/** A runner's answer as salt-api sent it, from {@link SaltAPIClient.runnerCallText}. */
export interface SaltRunnerText {
  /** The whole response body, unparsed: `{"return": [answer]}` as salt-api wrote it. */
  readonly body: string;
  /**
   * Parses {@link SaltRunnerText.body} and checks `return[0]` exactly as
   * {@link SaltAPIClient.runnerCall} does: a runner failure message or a mismatch with `schema`
   * throws {@link SaltAPIError}.
   */
  parse<S extends z.ZodType>(schema: S): z.output<S>;
}

/** What a login reports: {@link LoginResult} without the token, which never leaves the client. */
export type SaltLoginInfo = Omit<LoginResult, 'token'>;

/** The response body of a stream, as {@link SaltEventStream} needs it. */
export interface SaltEventSource {
  /** The SSE body. */
  body: ReadableStream<Uint8Array>;
  /** Called once the body is done with. */
  release?: () => void;
}

const RUNNER_FAILURE = /^\s*(Exception occurred in runner|Passed invalid arguments)/;

/**
 * The events of one `/events` connection: iterate it once with `for await`. Iteration ends
 * cleanly when the `signal` given to {@link SaltAPIClient.events} aborts; a dropped or ended
 * connection throws {@link SaltAPIUnavailable} (an HTTP failure, {@link SaltAPIError}) so the
 * caller can reconnect by calling `events()` again. {@link SaltEventStream.stats} counts the
 * events read, skipped and dropped.
 *
 * @example
 * ```ts
 * const stream = client.events({ signal });
 * for await (const event of stream) if (event.tag.startsWith('salt/job/')) handle(event);
 * ```
 */
export class SaltEventStream implements AsyncIterable<SaltEvent> {
  /** Counters of this connection, updated as it is read. */
  readonly stats: SaltEventStreamStats = emptySaltEventStreamStats();
  readonly #open: (signal: AbortSignal) => Promise<SaltEventSource>;
  readonly #signal: AbortSignal | undefined;
  readonly #onOpen: (() => void) | undefined;
  readonly #logger: Logger;
  readonly #maxLineLength: number;
  #used = false;

  /** @internal Made by {@link SaltAPIClient.events}. */
  constructor(
    open: (signal: AbortSignal) => Promise<SaltEventSource>,
    options: {
      signal?: AbortSignal | undefined;
      onOpen?: (() => void) | undefined;
      logger?: Logger;
      maxLineLength?: number;
    } = {},
  ) {
    this.#open = open;
    this.#signal = options.signal;
    this.#onOpen = options.onOpen;
    this.#logger = options.logger ?? silentLogger;
    this.#maxLineLength = options.maxLineLength ?? DEFAULT_MAX_EVENT_LINE;
  }

  /** Opens the connection and yields its events (once per stream object). */
  async *[Symbol.asyncIterator](): AsyncGenerator<SaltEvent, void, undefined> {
    if (this.#used) throw new Error('a SaltEventStream is iterated once; call events() again to reconnect');
    this.#used = true;
    const outer = this.#signal;
    if (outer?.aborted) return;
    const controller = new AbortController();
    const onAbort = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
    let source: SaltEventSource | undefined;
    try {
      try {
        source = await this.#open(controller.signal);
      } catch (error) {
        if (controller.signal.aborted) return;
        throw error;
      }
      this.#logger.debug('salt-api event stream open');
      this.#onOpen?.();
      yield* readSaltEvents(source.body, {
        signal: controller.signal,
        stats: this.stats,
        logger: this.#logger,
        maxLineLength: this.#maxLineLength,
      });
    } finally {
      outer?.removeEventListener('abort', onAbort);
      controller.abort();
      source?.release?.();
    }
  }
}

/**
 * The client of salt-api's rest_cherrypy. It logs in lazily on the first call (one `/login` for
 * any number of concurrent callers), logs in again a minute before the token expires and once
 * after a 401, retries 5xx answers and refused connections with backoff, checks every answer
 * with zod, and unwraps it. Failures are {@link SaltAPIUnavailable} (no answer) or
 * {@link SaltAPIError} (a failed answer).
 *
 * @example
 * ```ts
 * const salt = new SaltAPIClient({ url: 'https://salt:8000', username: 'halite', password, eauth: 'pam' });
 * const keys = await salt.wheelCall('key.list_all', {}, { schema: KeyLists });
 * const { jid, minions } = await salt.localAsync({ tgt: 'web*', fun: 'state.apply' });
 * ```
 */
export class SaltAPIClient {
  readonly #options: SaltAPIClientOptions;
  readonly #eauth: string;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #transport: SaltTransport;
  readonly #session: SaltSession;
  /** Which `/events` auth worked last: the header (new Salt) or `?token=` (old Salt). */
  #eventAuth: 'header' | 'query' = 'header';
  /** The server answered 400 to a query parameter on `/events`: never send one again. */
  #eventQueryRejected = false;

  /** Creates a client; nothing is sent until the first call (or {@link SaltAPIClient.login}). */
  constructor(options: SaltAPIClientOptions) {
    this.#options = options;
    this.#eauth = options.eauth ?? 'pam';
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#logger = options.logger ?? silentLogger;
    this.#transport = new SaltTransport({
      url: options.url,
      verifyTls: options.verifyTls ?? true,
      timeoutMs: this.#timeoutMs,
      fetch: options.fetch,
      logger: this.#logger,
    });
    this.#session = new SaltSession((signal) => this.#requestLogin(signal), options.now ?? Date.now);
  }

  /**
   * Logs in now (calls also log in by themselves when needed) and reports who we are.
   * Bad credentials: {@link SaltAPIError} with status 401.
   */
  async login(options: { signal?: AbortSignal } = {}): Promise<SaltLoginInfo> {
    const { token: _token, ...info } = await this.#session.login(options.signal);
    return info;
  }

  /** Revokes the session and forgets the token. A 401 (already logged out or expired) is a success. */
  async logout(options: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    await this.#session.end(async (token) => {
      try {
        await this.#withRetry(
          () => this.#transport.request({ method: 'POST', path: '/logout', token, signal }),
          {
            signal,
          },
        );
        this.#logger.info('salt-api logout');
      } catch (error) {
        if (error instanceof SaltAPIError && error.status === 401) {
          this.#logger.debug('salt-api logout: the session was already gone');
          return;
        }
        throw error;
      }
    });
  }

  /**
   * Runs a wheel function (`client: wheel`) and returns its `data.return`. `kwargs` go top-level
   * in the lowstate, as wheel functions expect (`{ match: 'web*' }`). A `success: false` answer
   * throws {@link SaltAPIError} with status 200.
   *
   * @example
   * ```ts
   * await salt.wheelCall('key.accept', { match: 'm3' }, { schema: KeyChange }); // → { minions: ['m3'] }
   * ```
   */
  async wheelCall<S extends z.ZodType = z.ZodType<unknown>>(
    fun: string,
    kwargs: Record<string, unknown> = {},
    options: SaltCallOptions<S> = {},
  ): Promise<z.output<S>> {
    const first = await this.#lowstate({ ...kwargs, client: 'wheel', fun }, options);
    const wheel = parseSaltValue(first, WheelResponse, `wheel ${fun}`);
    if (wheel.data.success === false) {
      const said = wheel.data.return;
      throw new SaltAPIError(
        200,
        typeof said === 'string' ? said : `wheel ${fun} failed: ${JSON.stringify(said)}`,
      );
    }
    return checkAnswer(wheel.data.return, options.schema, `wheel ${fun}`);
  }

  /**
   * Runs a runner function (`client: runner`) and returns its answer. `kwargs` travel as the
   * lowstate's `kwarg` object. A runner that answers `"Exception occurred in runner …"` or
   * `"Passed invalid arguments …"` throws {@link SaltAPIError} with status 200.
   *
   * @example
   * ```ts
   * const jobs = await salt.runnerCall('jobs.list_jobs', { search_function: 'state.*' }, { schema: ListJobsResult });
   * ```
   */
  async runnerCall<S extends z.ZodType = z.ZodType<unknown>>(
    fun: string,
    kwargs?: Record<string, unknown>,
    options: SaltCallOptions<S> = {},
  ): Promise<z.output<S>> {
    const chunk: Record<string, unknown> = { client: 'runner', fun };
    if (kwargs !== undefined && Object.keys(kwargs).length > 0) chunk.kwarg = kwargs;
    return checkRunnerAnswer(await this.#lowstate(chunk, options), fun, options.schema);
  }

  /**
   * {@link SaltAPIClient.runnerCall} that hands back the answer's text unparsed, for a caller
   * that reads a large answer its own way (the grains pass hashes each minion's grains as the
   * bytes they arrived in, and parses only those that changed). Login, retries, the 401
   * re-login and the deadline are the same as for `runnerCall`; only 2xx answers resolve.
   * {@link SaltRunnerText.parse} gives the checked answer, as `runnerCall` would have, for a
   * caller that cannot read the text.
   *
   * @example
   * ```ts
   * const answer = await salt.runnerCallText('cache.grains', { tgt: ids, tgt_type: 'list' });
   * const minions = splitCacheGrains(answer.body); // each minion's grains text, or undefined
   * const grains = minions === undefined ? answer.parse(GrainsMap) : undefined; // the ordinary read
   * ```
   */
  async runnerCallText(
    fun: string,
    kwargs?: Record<string, unknown>,
    options: Omit<SaltCallOptions, 'schema'> = {},
  ): Promise<SaltRunnerText> {
    const chunk: Record<string, unknown> = { client: 'runner', fun };
    if (kwargs !== undefined && Object.keys(kwargs).length > 0) chunk.kwarg = kwargs;
    const response = await this.#lowstateBody(chunk, options);
    return {
      body: response.body,
      parse: <S extends z.ZodType>(schema: S) =>
        checkRunnerAnswer(lowstateFirst(response, chunk), fun, schema),
    };
  }

  /**
   * Runs an execution function on the targeted minions and waits (`client: local`): each
   * minion's return by id. A minion that did not answer maps to a string (Salt 3008.5:
   * `"Minion did not return. [No response]…"`; older Salt: `false`); no match gives `{}`.
   * Use {@link SaltAPIClient.localAsync} for anything long.
   */
  async localCall(
    params: LocalCallParams,
    options: Omit<SaltCallOptions, 'schema'> = {},
  ): Promise<LocalResult> {
    const timeoutMs =
      options.timeoutMs ??
      (params.timeout === undefined ? undefined : this.#timeoutMs + params.timeout * 1000);
    const answer = await this.#lowstate(localChunk('local', params), { ...options, timeoutMs });
    return parseSaltValue(answer, LocalResultSchema, `local ${params.fun}`);
  }

  /**
   * Publishes a job and returns at once (`client: local_async`): its jid and targeted minions.
   * A target that matches no minion gets no jid from Salt: that throws {@link SaltAPIError}
   * (status 200), as there is no job to follow.
   */
  async localAsync(
    params: LocalCallParams,
    options: Omit<SaltCallOptions, 'schema'> = {},
  ): Promise<LocalAsyncResult> {
    const answer = await this.#lowstate(localChunk('local_async', params), options);
    if (answer !== null && typeof answer === 'object' && Object.keys(answer).length === 0) {
      throw new SaltAPIError(
        200,
        `local_async ${params.fun}: no minion matched the target, so Salt assigned no jid`,
      );
    }
    return parseSaltValue(answer, LocalAsyncResultSchema, `local_async ${params.fun}`);
  }

  /** The ids of the minions connected to the master now (`runner manage.present`). */
  async listConnectedMinions(options: Omit<SaltCallOptions, 'schema'> = {}): Promise<string[]> {
    return this.runnerCall('manage.present', undefined, { ...options, schema: PresentMinions });
  }

  /**
   * The master's event bus (`GET /events`), one long-lived connection per iteration. It sends
   * the token in the `X-Auth-Token` header, and falls back to `?token=` for old salt-api
   * versions that answer the header with 401 (new ones answer a query parameter with 400); the
   * way that worked is remembered. Logs in lazily, and once more after a 401.
   */
  events(options: SaltEventsOptions = {}): SaltEventStream {
    return new SaltEventStream((signal) => this.#openEvents(signal), {
      signal: options.signal,
      onOpen: options.onOpen,
      logger: this.#logger,
      maxLineLength: this.#options.maxEventLineLength ?? DEFAULT_MAX_EVENT_LINE,
    });
  }

  async #requestLogin(signal: AbortSignal | undefined): Promise<LoginResult> {
    const { username, password } = this.#options;
    const response = await this.#withRetry(
      () =>
        this.#transport.requestJson(
          { method: 'POST', path: '/login', body: { username, password, eauth: this.#eauth }, signal },
          LoginResponse,
        ),
      // A login runs nothing on the master: safe to repeat after a reset (salt-api restarting).
      { signal, retryable: isRetryableIdempotentFailure },
    );
    const result = response.return[0]!;
    this.#logger.info('salt-api login', {
      user: result.user,
      eauth: result.eauth,
      expiresAt: new Date(result.expire * 1000).toISOString(),
    });
    return result;
  }

  /** POSTs one lowstate chunk to `/` with the session token and returns `return[0]`. */
  async #lowstate(
    chunk: Record<string, unknown>,
    options: Omit<SaltCallOptions, 'schema'>,
  ): Promise<unknown> {
    return lowstateFirst(await this.#lowstateBody(chunk, options), chunk);
  }

  /** POSTs one lowstate chunk to `/` (auth, retries, deadline) and returns the unparsed 2xx answer. */
  #lowstateBody(
    chunk: Record<string, unknown>,
    options: Omit<SaltCallOptions, 'schema'>,
  ): Promise<SaltHttpResponse> {
    return this.#authed(options.signal, (token) =>
      this.#withRetry(
        () =>
          this.#transport.request({
            method: 'POST',
            path: '/',
            body: [chunk],
            token,
            signal: options.signal,
            timeoutMs: options.timeoutMs,
          }),
        options,
      ),
    );
  }

  /** Runs `send` with a valid token; after a 401, logs in again and runs it once more. */
  async #authed<T>(signal: AbortSignal | undefined, send: (token: string) => Promise<T>): Promise<T> {
    const token = await this.#session.token(signal);
    try {
      return await send(token);
    } catch (error) {
      if (!(error instanceof SaltAPIError && error.status === 401)) throw error;
      this.#logger.info('salt-api rejected the session token; logging in again');
      return send(await this.#session.renew(token, signal));
    }
  }

  #withRetry<T>(
    attempt: () => Promise<T>,
    options: {
      signal?: AbortSignal | undefined;
      retry?: SaltRetryOptions | undefined;
      retryable?: ((error: unknown) => boolean) | undefined;
    },
  ): Promise<T> {
    return withSaltRetry(attempt, {
      retry: { ...this.#options.retry, ...options.retry },
      signal: options.signal,
      retryable: options.retryable,
      onRetry: ({ attemptNumber, retriesLeft, error }) =>
        this.#logger.warn('salt-api request failed; retrying', {
          attempt: attemptNumber,
          retriesLeft,
          error: error.message,
        }),
    });
  }

  async #openEvents(signal: AbortSignal): Promise<SaltHttpStream> {
    let token = await this.#session.token(signal);
    for (let round = 0; ; round++) {
      let unauthorized: SaltAPIError | undefined;
      const order: Array<'header' | 'query'> = this.#eventQueryRejected
        ? ['header']
        : this.#eventAuth === 'query'
          ? ['query', 'header']
          : ['header', 'query'];
      for (const mode of order) {
        const request: SaltHttpRequest = {
          method: 'GET',
          path: '/events',
          accept: 'text/event-stream',
          signal,
          ...(mode === 'header' ? { token } : { query: { token } }),
        };
        try {
          const stream = await this.#withRetry(() => this.#transport.openStream(request), { signal });
          if (this.#eventAuth !== mode) this.#logger.info('salt-api /events: authenticating with', { mode });
          this.#eventAuth = mode;
          return stream;
        } catch (error) {
          if (!(error instanceof SaltAPIError)) throw error;
          if (error.status === 401) {
            unauthorized = error;
            continue;
          }
          if (error.status === 400 && mode === 'query') {
            this.#eventQueryRejected = true;
            continue;
          }
          throw error;
        }
      }
      if (round > 0 || unauthorized === undefined) {
        throw unauthorized ?? new SaltAPIError(401, '/events refused every way of sending the token');
      }
      this.#logger.info('salt-api /events refused the session token; logging in again');
      token = await this.#session.renew(token, signal);
    }
  }
}

/** `return[0]` of a lowstate answer's body, checked as {@link LowstateResponse}. */
function lowstateFirst(response: SaltHttpResponse, chunk: Record<string, unknown>): unknown {
  const parsed = parseSaltJson(response.body, LowstateResponse, 'POST /', response.status);
  if (parsed.return.length === 0) {
    throw new SaltAPIError(
      200,
      `${String(chunk.client)} ${String(chunk.fun)}: salt-api answered an empty return list`,
    );
  }
  return parsed.return[0];
}

/** A runner's `return[0]`: a failure message becomes {@link SaltAPIError}, the rest is checked. */
function checkRunnerAnswer<S extends z.ZodType>(
  answer: unknown,
  fun: string,
  schema: S | undefined,
): z.output<S> {
  if (typeof answer === 'string' && RUNNER_FAILURE.test(answer)) throw new SaltAPIError(200, answer);
  return checkAnswer(answer, schema, `runner ${fun}`);
}

function checkAnswer<S extends z.ZodType>(value: unknown, schema: S | undefined, what: string): z.output<S> {
  return schema === undefined ? (value as z.output<S>) : parseSaltValue(value, schema, what);
}

function localChunk(client: 'local' | 'local_async', params: LocalCallParams): Record<string, unknown> {
  const chunk: Record<string, unknown> = { client, tgt: params.tgt, fun: params.fun };
  if (params.arg !== undefined) chunk.arg = params.arg;
  if (params.kwarg !== undefined) chunk.kwarg = params.kwarg;
  if (params.tgtType !== undefined) chunk.tgt_type = params.tgtType;
  if (params.timeout !== undefined) chunk.timeout = params.timeout;
  return chunk;
}
