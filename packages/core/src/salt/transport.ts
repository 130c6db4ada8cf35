import { createFetch } from 'ofetch';
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import { SaltAPIError, SaltAPIUnavailable, type SaltUnavailableReason, saltErrorMessage } from './errors.js';
import { createUnverifiedTlsFetch } from './unverified-tls-fetch.js';

/** How {@link SaltTransport} reaches salt-api. */
export interface SaltTransportOptions {
  /** Base URL of rest_cherrypy, with its `root_prefix` if any. */
  url: string;
  /** Verify the server certificate of an https URL. */
  verifyTls: boolean;
  /** Deadline of one request (for a stream: until the headers arrive), in ms. */
  timeoutMs: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch | undefined;
  /** Where request lines go (debug level, no secrets). */
  logger: Logger;
}

/** One HTTP request to salt-api. */
export interface SaltHttpRequest {
  method: 'GET' | 'POST';
  /** Path below the base URL, starting with `/`. */
  path: string;
  /** JSON body (POST only). */
  body?: unknown;
  /** The session token, sent as `X-Auth-Token`. */
  token?: string | undefined;
  /** Query parameters. Never logged: they may hold a token. */
  query?: Record<string, string> | undefined;
  /** `Accept` header; `application/json` when not given. */
  accept?: string;
  signal?: AbortSignal | undefined;
  /** Overrides the transport's deadline for this request. */
  timeoutMs?: number | undefined;
}

/** A 2xx answer whose body has been read. */
export interface SaltHttpResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** A 2xx answer whose body is still streaming. */
export interface SaltHttpStream {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array>;
  /** Unlinks the caller's signal; call it once the body is done with. */
  release(): void;
}

/** Longest error body read from a stream answer, in bytes. */
const MAX_STREAM_ERROR_BODY = 64 * 1024;

/**
 * The HTTP layer of the salt client: ofetch with its own retry off, JSON headers, the
 * `X-Auth-Token` header, a deadline per request, and one error mapping: no answer →
 * {@link SaltAPIUnavailable}, non-2xx → {@link SaltAPIError}, an abort of the caller's signal →
 * the signal's reason. No retries and no auth here; the client layers those on top.
 */
export class SaltTransport {
  readonly #base: string;
  readonly #origin: string;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #ofetch: ReturnType<typeof createFetch>;

  constructor(options: SaltTransportOptions) {
    const parsed = new URL(options.url);
    this.#base = parsed.href.replace(/\/+$/, '');
    this.#origin = parsed.origin;
    this.#timeoutMs = options.timeoutMs;
    this.#logger = options.logger;
    const unverified = parsed.protocol === 'https:' && !options.verifyTls && options.fetch === undefined;
    const fetchImpl: typeof fetch =
      options.fetch ??
      (unverified ? createUnverifiedTlsFetch() : (input, init) => globalThis.fetch(input, init));
    if (parsed.protocol === 'https:' && !options.verifyTls && options.fetch !== undefined) {
      this.#logger.warn('salt-api: verifyTls=false has no effect with an injected fetch', {
        origin: this.#origin,
      });
    }
    this.#ofetch = createFetch({ fetch: fetchImpl });
  }

  /** Sends a request and reads the whole 2xx body as text. */
  async request(req: SaltHttpRequest): Promise<SaltHttpResponse> {
    const deadline = startDeadline(req.signal, req.timeoutMs ?? this.#timeoutMs);
    const started = performance.now();
    try {
      const response = await this.#send(req, deadline.signal, 'text');
      const body = typeof response._data === 'string' ? response._data : '';
      this.#log(req, response.status, started);
      if (response.status < 200 || response.status >= 300) {
        throw new SaltAPIError(response.status, saltErrorMessage(body) || response.statusText);
      }
      return { status: response.status, headers: response.headers, body };
    } catch (error) {
      throw this.#mapError(error, req, deadline);
    } finally {
      deadline.release();
    }
  }

  /** Sends a request and parses its 2xx JSON body with `schema` (a mismatch is a SaltAPIError). */
  async requestJson<S extends z.ZodType>(req: SaltHttpRequest, schema: S): Promise<z.output<S>> {
    const response = await this.request(req);
    return parseSaltJson(response.body, schema, `${req.method} ${req.path}`, response.status);
  }

  /**
   * Sends a request whose answer streams (`/events`). The deadline covers only the wait for the
   * headers; the body then flows until `signal` aborts or the server ends it.
   */
  async openStream(req: SaltHttpRequest): Promise<SaltHttpStream> {
    const deadline = startDeadline(req.signal, req.timeoutMs ?? this.#timeoutMs);
    const started = performance.now();
    try {
      const response = await this.#send(req, deadline.signal, 'stream');
      this.#log(req, response.status, started);
      const stream = response._data instanceof ReadableStream ? response._data : response.body;
      if (response.status < 200 || response.status >= 300 || !stream) {
        const text = stream ? await readAtMost(stream, MAX_STREAM_ERROR_BODY) : '';
        deadline.release();
        throw new SaltAPIError(response.status, saltErrorMessage(text) || response.statusText);
      }
      deadline.stopTimer();
      return { status: response.status, headers: response.headers, body: stream, release: deadline.release };
    } catch (error) {
      deadline.release();
      throw this.#mapError(error, req, deadline);
    }
  }

  async #send(req: SaltHttpRequest, signal: AbortSignal, responseType: 'text' | 'stream') {
    const headers: Record<string, string> = { Accept: req.accept ?? 'application/json' };
    if (req.body !== undefined) headers['Content-Type'] = 'application/json';
    if (req.token !== undefined) headers['X-Auth-Token'] = req.token;
    const url = new URL(`${this.#base}${req.path}`);
    for (const [key, value] of Object.entries(req.query ?? {})) url.searchParams.set(key, value);
    return this.#ofetch.raw(url.href, {
      method: req.method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      retry: 0,
      ignoreResponseError: true,
      responseType,
      signal,
    });
  }

  #log(req: SaltHttpRequest, status: number, started: number): void {
    this.#logger.debug('salt-api request', {
      method: req.method,
      path: req.path,
      status,
      durationMs: Math.round(performance.now() - started),
    });
  }

  #mapError(error: unknown, req: SaltHttpRequest, deadline: Deadline): unknown {
    if (error instanceof SaltAPIError || error instanceof SaltAPIUnavailable) return error;
    if (req.signal?.aborted) return req.signal.reason;
    // ofetch wraps transport failures in a FetchError whose message holds the URL (and so a
    // query token, if any): keep only the underlying error.
    const cause = unwrapFetchError(error);
    if (deadline.timedOut) {
      return new SaltAPIUnavailable(
        `salt-api at ${this.#origin} did not answer ${req.method} ${req.path} within ${deadline.ms} ms`,
        { reason: 'timeout', cause },
      );
    }
    const reason = classifyTransportError(cause);
    const detail = describeTransportError(cause);
    return new SaltAPIUnavailable(`cannot reach salt-api at ${this.#origin}: ${detail}`, { reason, cause });
  }
}

/** Parses a salt-api JSON body with `schema`; any mismatch becomes a {@link SaltAPIError}. */
export function parseSaltJson<S extends z.ZodType>(
  body: string,
  schema: S,
  what: string,
  status = 200,
): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new SaltAPIError(status, `${what}: the answer is not JSON`, { cause: error });
  }
  return parseSaltValue(json, schema, what, status);
}

/** Checks a value from salt-api against `schema`; any mismatch becomes a {@link SaltAPIError}. */
export function parseSaltValue<S extends z.ZodType>(
  value: unknown,
  schema: S,
  what: string,
  status = 200,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 10).map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  throw new SaltAPIError(
    status,
    `${what}: unexpected answer${first ? ` (${first.path || '(root)'}: ${first.message})` : ''}`,
    { cause: result.error, details: { status, issues } },
  );
}

interface Deadline {
  readonly signal: AbortSignal;
  readonly ms: number;
  readonly timedOut: boolean;
  /** Stops the timer; the caller's signal still aborts the request. */
  stopTimer(): void;
  /** Stops the timer and unlinks the caller's signal. */
  release(): void;
}

/**
 * An AbortSignal that fires when the caller's signal does or after `ms`. Its timer is cleared by
 * `release`/`stopTimer` (and unref'd meanwhile), so nothing outlives the request.
 */
function startDeadline(parent: AbortSignal | undefined, ms: number): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`salt-api request timed out after ${ms} ms`, 'TimeoutError'));
  }, ms);
  (timer as { unref?: () => void }).unref?.();
  const stopTimer = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const release = () => {
    stopTimer();
    parent?.removeEventListener('abort', onParentAbort);
  };
  return {
    signal: controller.signal,
    ms,
    get timedOut() {
      return timedOut;
    },
    stopTimer,
    release,
  };
}

function unwrapFetchError(error: unknown): unknown {
  if (error instanceof Error && error.name === 'FetchError' && error.cause !== undefined) return error.cause;
  return error;
}

/** Every `code` in an error, its causes and (for AggregateError) its members. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const queue: unknown[] = [error];
  for (let seen = 0; queue.length > 0 && seen < 20; seen++) {
    const current = queue.shift();
    if (current === null || typeof current !== 'object') continue;
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (cause !== undefined) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return codes;
}

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/;

function classifyTransportError(error: unknown): SaltUnavailableReason {
  const codes = errorCodes(error);
  if (codes.includes('ECONNREFUSED')) return 'connection_refused';
  if (codes.some((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN' || c === 'EAI_NONAME')) return 'dns';
  if (codes.some((c) => TLS_CODE.test(c))) return 'tls';
  if (codes.some((c) => c === 'ECONNRESET' || c === 'EPIPE' || c.startsWith('UND_ERR_SOCKET'))) {
    return 'connection_reset';
  }
  if (codes.some((c) => c === 'ETIMEDOUT' || c === 'UND_ERR_CONNECT_TIMEOUT')) return 'timeout';
  return 'network';
}

function describeTransportError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    const text =
      typeof code === 'string' && !current.message.includes(code)
        ? `${current.message} (${code})`
        : current.message;
    if (text && !parts.includes(text)) parts.push(text);
    current = current.cause;
  }
  return parts.join(': ') || 'network error';
}

async function readAtMost(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    while (bytes < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
    return text + decoder.decode();
  } finally {
    await reader.cancel().catch(() => {});
  }
}
