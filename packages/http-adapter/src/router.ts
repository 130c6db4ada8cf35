import { HaliteError, type Logger, silentLogger } from '@halite/core';
import {
  describeError,
  errorCodeOf,
  errorResponse,
  GENERIC_ERROR_MESSAGE,
  type HttpErrorCode,
  responseForError,
} from './error-response.js';
import {
  ANONYMOUS_PRINCIPAL,
  clientAddressOf,
  hostPrincipalOf,
  type Principal,
  principalHasPermission,
} from './principal.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  invalidInput,
  parseInput,
  queryObject,
  readJsonBody,
  UnsupportedMediaType,
} from './request-input.js';
import { requestSignalOf } from './request-signal.js';
import type { HttpMethod, Route, RouteContext, RouteInput } from './route.js';

/** A web-standard request handler: what every host adapter mounts. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** What `authorize` may look at besides the principal and the permission. */
export interface AuthorizeContext {
  /** The request being decided. */
  request: Request;
  /** The matched route (method and path pattern). */
  route: { method: HttpMethod; path: string };
}

/**
 * One access decision, handed to `onDecision` once per request to a non-public route, after
 * its status is known: the raw material of an audit row.
 */
export interface AccessDecision {
  /** The route pattern: `POST /api/keys/:key_id/accept`. */
  route: string;
  /** The request method (`HEAD` for a `GET` route asked with `HEAD`). */
  method: string;
  /** The request path, below the base path. */
  path: string;
  /** The permission checked; `null` when none was (no principal, or input too bad to derive it). */
  permission: string | null;
  /** Who asked; `null` when authentication found nobody (401). */
  principal: Principal | null;
  /** Whether authorization let the request through to the handler. */
  allowed: boolean;
  /** The response status (for a stream, the status it started with). */
  status: number;
  /** Time from the request's arrival to its response (for a stream, to its first byte). */
  duration_ms: number;
  /** The error code of an error response, else `null`. */
  error_code: HttpErrorCode | null;
  /** The parsed `params`, `query` and `body`; `null` when the request was refused before parsing. */
  input: RouteInput | null;
  /** The `jid` of the handler's result, when it returned an object with one (a started job). */
  jid: string | null;
  /** The client address the host recorded for the request ({@link clientAddressOf}), else `null`. */
  client_address: string | null;
}

/** Options of {@link createRouter}, except `app`. */
export interface RouterOptionsBase {
  /**
   * A prefix the host leaves on the path (`/halite`): requests outside it are 404s. Leave it
   * unset when the host strips the prefix itself (Express `app.use('/halite', …)`,
   * `toNodeListener({ basePath })`, the Fastify plugin's `prefix`).
   */
  basePath?: string;
  /** The largest JSON body accepted, in bytes (default 1 MiB); larger is a 413. */
  maxBodyBytes?: number;
  /**
   * Resolves the principal of a request (session cookie, bearer token, the host's own login);
   * `null` means nobody, and non-public routes answer 401.
   *
   * **Without it every request is {@link ANONYMOUS_PRINCIPAL}, with every permission. That is
   * for embedding behind your own auth only.**
   *
   * When the request came through the Node bridge with a `principal` option (the host's own
   * login, e.g. Express's `req.user`), that principal is used instead, and `null` is a 401.
   */
  authenticate?: (request: Request) => Promise<Principal | null>;
  /**
   * Decides whether the principal holds the route's permission; `false` answers 403. Default:
   * one of the principal's permission globs covers it ({@link principalHasPermission}).
   */
  authorize?: (
    principal: Principal,
    permission: string,
    context: AuthorizeContext,
  ) => boolean | Promise<boolean>;
  /**
   * Sees every access decision (for the audit log); the response waits for a returned promise.
   * It must not throw; if it does, that is logged.
   */
  onDecision?: (decision: AccessDecision) => unknown;
  /** Where unexpected errors (500) are logged, with their cause. */
  logger?: Logger;
}

/** Options of {@link createRouter}. */
export interface RouterOptions<TApp> extends RouterOptionsBase {
  /** What handlers receive as `context.app` (the `Halite` instance); give it when they use it. */
  app?: TApp;
}

/**
 * Builds the web-standard handler that serves `routes`.
 *
 * - Routing: `:name` path parameters, a literal segment beats a parameter, `HEAD` answers from
 *   the `GET` route, `OPTIONS` lists the methods; an unknown path is a 404, a known path with
 *   another method a 405 with `Allow`.
 * - Input: `params`, `query` and `body` are parsed with the route's schemas; bad input is a 400
 *   naming the field, a non-JSON body a 415, a body over `maxBodyBytes` a 413; never a 500.
 * - Auth, once for all routes: `'public'` routes skip it; the others need a principal from
 *   `authenticate` (else 401) that `authorize` accepts (else 403). Every decision goes to
 *   `onDecision`.
 * - Errors: a thrown `HaliteError` answers with the status of its code
 *   ({@link HTTP_ERROR_STATUS}); anything else is a logged 500 with a generic message.
 *
 * @example
 * ```ts
 * const handler = createRouter([...haliteSystemRoutes(), ...minionRoutes], {
 *   app: halite,
 *   authenticate: async (req) => sessionPrincipal(req.headers.get('cookie')),
 * });
 * const res = await handler(new Request('http://localhost/api/minions'));
 * ```
 */
export function createRouter<TApp = unknown>(
  routes: readonly Route<TApp>[],
  options: RouterOptions<TApp> = {},
): FetchHandler {
  const opts = options;
  const table = compileRoutes(routes);
  const basePath = normalizeBasePath(opts.basePath);
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = opts.logger ?? silentLogger;
  const authorize =
    opts.authorize ?? ((principal, permission) => principalHasPermission(principal, permission));

  return async function handle(request: Request): Promise<Response> {
    const started = performance.now();
    const url = new URL(request.url);
    const path = stripBasePath(url.pathname, basePath);
    if (path === null) return errorResponse('not_found', `No route for ${request.method} ${url.pathname}`);
    const method = request.method.toUpperCase();
    const match = table.match(method === 'HEAD' ? 'GET' : method, path);

    if (match.kind !== 'found') {
      if (match.kind === 'not_found') return errorResponse('not_found', `No route for ${method} ${path}`);
      const allow = match.allow.join(', ');
      if (method === 'OPTIONS') return new Response(null, { status: 204, headers: { allow } });
      return errorResponse(
        'method_not_allowed',
        `${method} is not allowed on ${path}`,
        { allow: match.allow },
        { allow },
      );
    }

    const { route } = match;
    const signal = requestSignalOf(request);
    const isPublic = route.permission === 'public';
    const decision: Omit<AccessDecision, 'status' | 'duration_ms' | 'error_code'> = {
      route: `${route.method} ${route.path}`,
      method,
      path,
      permission: null,
      principal: null,
      allowed: false,
      input: null,
      jid: null,
      client_address: clientAddressOf(request) || null,
    };
    const respond = async (response: Response): Promise<Response> => {
      if (!isPublic && opts.onDecision) {
        const status = response.status;
        const record: AccessDecision = {
          ...decision,
          status,
          duration_ms: Math.round(performance.now() - started),
          error_code: errorCodeOf(response),
        };
        try {
          await opts.onDecision(record);
        } catch (error) {
          logger.error('onDecision threw', { route: record.route, error: describeError(error) });
        }
      }
      return method === 'HEAD' ? withoutBody(response) : response;
    };

    try {
      let principal: Principal | null = null;
      if (!isPublic) {
        const hosted = hostPrincipalOf(request);
        if (hosted !== undefined) principal = hosted;
        else principal = opts.authenticate ? await opts.authenticate(request) : ANONYMOUS_PRINCIPAL;
        if (!principal) return respond(errorResponse('unauthorized', 'Not authenticated'));
        decision.principal = principal;
      }
      const check = async (permission: string): Promise<Response | null> => {
        decision.permission = permission;
        const allowed =
          permission === 'authenticated' ||
          (await authorize(principal as Principal, permission, {
            request,
            route: { method: route.method, path: route.path },
          }));
        decision.allowed = allowed;
        return allowed ? null : errorResponse('forbidden', 'Forbidden', { permission });
      };
      if (typeof route.permission === 'string' && !isPublic) {
        const denied = await check(route.permission);
        if (denied) return respond(denied);
      }

      const input = await parseRequestInput(route, match.params, url, request, maxBodyBytes);
      decision.input = input;
      if (typeof route.permission === 'function') {
        const denied = await check(route.permission(input));
        if (denied) return respond(denied);
      }

      const context: RouteContext<TApp, unknown, unknown, unknown, Principal | null> = {
        ...input,
        request,
        url,
        signal,
        principal,
        app: opts.app as TApp,
        responseHeaders: new Headers(),
        routes,
      };
      const result = await route.handler(context);
      decision.jid = jidOf(result);
      return respond(toResponse(result, route.status, context.responseHeaders));
    } catch (error) {
      if (error instanceof UnsupportedMediaType) {
        return respond(errorResponse('unsupported_media_type', error.message));
      }
      if (signal.aborted && !(error instanceof HaliteError)) {
        // The client is gone (the handler saw its signal abort): nobody reads this answer.
        logger.debug('request aborted by the client', { route: decision.route });
        return respond(errorResponse('internal', GENERIC_ERROR_MESSAGE));
      }
      return respond(responseForError(error, logger, { route: decision.route, method, path }));
    }
  };
}

async function parseRequestInput<TApp>(
  route: Route<TApp>,
  encodedParams: Record<string, string>,
  url: URL,
  request: Request,
  maxBodyBytes: number,
): Promise<RouteInput> {
  const decoded = decodeParams(encodedParams);
  const params = route.params ? parseInput('params', route.params, decoded) : decoded;
  const rawQuery = queryObject(url.searchParams);
  const query = route.query ? parseInput('query', route.query, rawQuery) : rawQuery;
  const body = route.body
    ? parseInput('body', route.body, await readJsonBody(request, maxBodyBytes))
    : undefined;
  return { params, query, body };
}

function jidOf(result: unknown): string | null {
  if (typeof result !== 'object' || result === null || result instanceof Response) return null;
  const jid = (result as { jid?: unknown }).jid;
  return typeof jid === 'string' ? jid : null;
}

function toResponse(result: unknown, status: number, extraHeaders: Headers): Response {
  let response: Response;
  if (result instanceof Response) {
    response = result;
    if (!hasAny(extraHeaders)) return response;
    // A fetched Response has immutable headers: copy before adding ours.
    response = new Response(response.body, response);
  } else if (result === null || result === undefined || status === 204) {
    response = new Response(null, { status: status === 200 ? 204 : status });
  } else {
    const json = serialize(result);
    response = new Response(json.text, {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    jsonBodies.set(response, json);
  }
  for (const [name, value] of extraHeaders) {
    if (name === 'set-cookie') continue;
    response.headers.set(name, value);
  }
  for (const cookie of extraHeaders.getSetCookie()) response.headers.append('set-cookie', cookie);
  return response;
}

/** A serialised answer: its text, and its UTF-8 bytes once a host bridge asked for them. */
interface JsonBody {
  text: string;
  bytes?: Uint8Array;
}

/**
 * Serialised frozen answers, by answer: a cached read hands the same frozen object to every
 * request until it expires, so it is serialised (and encoded) once. Frozen is what makes that
 * safe: nothing can change the object after its text is kept.
 */
const frozenBodies = new WeakMap<object, JsonBody>();

function serialize(result: unknown): JsonBody {
  if (typeof result !== 'object' || result === null || !Object.isFrozen(result)) {
    return { text: JSON.stringify(result) };
  }
  let body = frozenBodies.get(result);
  if (body === undefined) {
    body = { text: JSON.stringify(result) };
    frozenBodies.set(result, body);
  }
  return body;
}

/** The serialised body of the JSON responses this router built, by response. */
const jsonBodies = new WeakMap<Response, JsonBody>();

const utf8 = new TextEncoder();

/**
 * The body of a JSON response this router built, as UTF-8 bytes, so a host bridge can write it
 * in one piece (with its length) instead of reading the response's stream; `undefined` for any
 * other response, or when something has started reading its body. The bytes of a cached answer
 * are encoded once and shared: treat them as read-only.
 */
export function jsonBodyOf(response: Response): Uint8Array | undefined {
  const body = jsonBodies.get(response);
  if (body === undefined || response.bodyUsed || response.body?.locked) return undefined;
  body.bytes ??= utf8.encode(body.text);
  return body.bytes;
}

function hasAny(headers: Headers): boolean {
  for (const _ of headers.keys()) return true;
  return false;
}

function withoutBody(response: Response): Response {
  if (response.body === null) return response;
  response.body.cancel().catch(() => {});
  return new Response(null, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

// ---- path matching ----

type Segment = { literal: string } | { param: string };
interface CompiledRoute<TApp> {
  route: Route<TApp>;
  segments: Segment[];
}
type Match<TApp> =
  | { kind: 'found'; route: Route<TApp>; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

function compileRoutes<TApp>(routes: readonly Route<TApp>[]) {
  const compiled: CompiledRoute<TApp>[] = routes.map((route) => ({
    route,
    segments: splitPath(route.path).map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s })),
  }));
  const seen = new Set<string>();
  for (const { route, segments } of compiled) {
    const key = `${route.method} /${segments.map((s) => ('param' in s ? ':' : s.literal)).join('/')}`;
    if (seen.has(key)) throw new TypeError(`two routes answer ${route.method} ${route.path}`);
    seen.add(key);
  }

  return {
    match(method: string, path: string): Match<TApp> {
      const parts = splitPath(path);
      let best: { entry: CompiledRoute<TApp>; score: string } | undefined;
      const allow = new Set<string>();
      for (const entry of compiled) {
        const score = matchScore(entry.segments, parts);
        if (score === null) continue;
        allow.add(entry.route.method);
        if (entry.route.method !== method) continue;
        if (!best || score > best.score) best = { entry, score };
      }
      if (best)
        return { kind: 'found', route: best.entry.route, params: rawParams(best.entry.segments, parts) };
      if (allow.size === 0) return { kind: 'not_found' };
      if (allow.has('GET')) allow.add('HEAD');
      allow.add('OPTIONS');
      return { kind: 'method_not_allowed', allow: [...allow].sort() };
    },
  };
}

/** `null` when the path does not fit; else a string where literal matches ('1') outrank params ('0'). */
function matchScore(segments: readonly Segment[], parts: readonly string[]): string | null {
  if (segments.length !== parts.length) return null;
  let score = '';
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as Segment;
    if ('literal' in segment) {
      if (segment.literal !== parts[i]) return null;
      score += '1';
    } else {
      if (parts[i] === '') return null;
      score += '0';
    }
  }
  return score;
}

/** The path parameters as they appear in the URL, still percent-encoded. */
function rawParams(segments: readonly Segment[], parts: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  segments.forEach((segment, i) => {
    if ('param' in segment) params[segment.param] = parts[i] ?? '';
  });
  return params;
}

function decodeParams(encoded: Record<string, string>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, raw] of Object.entries(encoded)) {
    try {
      params[name] = decodeURIComponent(raw);
    } catch {
      invalidInput([{ path: `params.${name}`, message: 'malformed percent-encoding' }]);
    }
  }
  return params;
}

function splitPath(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.split('/').slice(1);
}

function normalizeBasePath(basePath: string | undefined): string {
  if (!basePath || basePath === '/') return '';
  const withSlash = basePath.startsWith('/') ? basePath : `/${basePath}`;
  return withSlash.endsWith('/') ? withSlash.slice(0, -1) : withSlash;
}

/** The path below `basePath`, or `null` when the path is outside it. */
export function stripBasePath(pathname: string, basePath: string): string | null {
  if (!basePath) return pathname;
  if (pathname === basePath) return '/';
  if (!pathname.startsWith(`${basePath}/`)) return null;
  return pathname.slice(basePath.length);
}
