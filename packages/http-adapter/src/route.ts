import type { z } from 'zod';
import type { Principal } from './principal.js';

/** The methods a route may declare. `HEAD` is answered by every `GET` route, `OPTIONS` by the router. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The statuses a route may answer with on success. */
export type SuccessStatus = 200 | 201 | 202 | 204;

/** Error statuses a route may declare for the OpenAPI document. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 502 | 503;

/** The zod schema of one part of a request, or none. */
export type InputSchema = z.ZodType | undefined;

/** What a part of the request is once parsed: the schema's output, or `Fallback` without a schema. */
export type Parsed<TSchema extends InputSchema, TFallback> = TSchema extends z.ZodType
  ? z.output<TSchema>
  : TFallback;

/** The parsed inputs of a request, as a permission function and a handler see them. */
export interface RouteInput<TParams = unknown, TQuery = unknown, TBody = unknown> {
  /** Path parameters (`:minion_id`), decoded and parsed by the route's `params` schema. */
  params: TParams;
  /** The query string, parsed by the route's `query` schema (values arrive as strings: use `z.coerce`). */
  query: TQuery;
  /** The JSON body parsed by the route's `body` schema; `undefined` for routes without one. */
  body: TBody;
}

/**
 * What a route needs to run: `'public'` (no authentication at all), `'authenticated'` (any
 * principal), a `verb:resource` permission, or a function that derives the permission from the
 * parsed input (`({ params }) => \`accept:key:${params.key_id}\``).
 */
export type RoutePermission<TInput = RouteInput> =
  | 'public'
  | 'authenticated'
  | (string & {})
  | PermissionOf<TInput>;

/** A permission derived from the parsed input. */
export type PermissionOf<TInput> = (input: TInput) => string;

/** Everything a handler receives. */
export interface RouteContext<
  TApp = unknown,
  TParams = unknown,
  TQuery = unknown,
  TBody = unknown,
  TPrincipal = Principal,
> extends RouteInput<TParams, TQuery, TBody> {
  /** The request as it arrived (its body already read when the route has a `body` schema). */
  request: Request;
  /** The request URL, parsed. */
  url: URL;
  /** Fires when the client disconnects: pass it to anything long-running. */
  signal: AbortSignal;
  /** Who is asking; `null` only on `'public'` routes, which skip authentication. */
  principal: TPrincipal;
  /** The application the router serves (the `Halite` instance). */
  app: TApp;
  /**
   * Headers added to the response (e.g. `Set-Cookie`, appended, so several cookies survive).
   * They apply to plain values and to a returned `Response` alike.
   */
  responseHeaders: Headers;
  /** Every route of the router, for routes that describe the API (the OpenAPI document). */
  routes: readonly Route<TApp>[];
}

/**
 * What a handler may return: a plain value (sent as JSON with the route's `status`), `null` or
 * `undefined` (no body: 204, or the route's `status` when it is 201 or 202), or a `Response`
 * sent as is (SSE, CSV, custom headers).
 */
export type HandlerResult<TResponse extends InputSchema> =
  | (TResponse extends z.ZodType ? z.input<TResponse> : unknown)
  | Response
  | null
  | undefined;

/** The principal a handler sees: nullable on `'public'` routes only. */
export type PrincipalFor<TPermission> = [TPermission] extends ['public'] ? Principal | null : Principal;

/** A route as written with {@link defineRoute}: the schemas type the handler's context. */
export interface RouteDefinition<
  TApp = unknown,
  TParams extends InputSchema = undefined,
  TQuery extends InputSchema = undefined,
  TBody extends InputSchema = undefined,
  TResponse extends InputSchema = undefined,
  TPermission extends string = string,
> {
  /** The HTTP method. */
  method: HttpMethod;
  /** The path, with `:name` segments for parameters: `/api/minions/:minion_id`. */
  path: string;
  /** Who may call it (see {@link RoutePermission}). */
  permission:
    | TPermission
    | PermissionOf<
        RouteInput<
          Parsed<TParams, Record<string, string>>,
          Parsed<TQuery, Record<string, string | string[]>>,
          Parsed<TBody, undefined>
        >
      >;
  /** One line for the OpenAPI document. */
  summary: string;
  /** More words for the OpenAPI document. */
  description?: string;
  /** OpenAPI tags (usually the feature: `minions`, `keys`). */
  tags?: readonly string[];
  /** OpenAPI operation id; derived from the method and path when absent. */
  operationId?: string;
  /** Schema of the path parameters (an object whose keys are the `:name` segments). */
  params?: TParams;
  /** Schema of the query string (an object; use `z.coerce.number()` and `z.stringbool()`). */
  query?: TQuery;
  /** Schema of the JSON body; the route then requires `Content-Type: application/json`. */
  body?: TBody;
  /** Schema of the success body, for the OpenAPI document and the handler's return type. */
  response?: TResponse;
  /** Media type of the success body in the OpenAPI document (default `application/json`). */
  responseContentType?: string;
  /** The success status for plain values (default 200). */
  status?: SuccessStatus;
  /**
   * Error statuses the route may answer beyond those the router adds by itself (400 for input,
   * 401/403 unless public, 404 with path parameters, 413/415 with a body, 500): e.g. `[409]`, or
   * `[502, 503]` for an action that calls salt-api. For the OpenAPI document.
   */
  errors?: readonly ErrorStatus[];
  /** Does the work. */
  handler: (
    context: RouteContext<
      TApp,
      Parsed<TParams, Record<string, string>>,
      Parsed<TQuery, Record<string, string | string[]>>,
      Parsed<TBody, undefined>,
      PrincipalFor<TPermission>
    >,
  ) => Promise<HandlerResult<TResponse>>;
}

/**
 * A route as the router and the OpenAPI builder hold it, its input types erased so routes of
 * different shapes share one array. Make one with {@link defineRoute}.
 */
export interface Route<TApp = unknown> {
  /** The HTTP method. */
  readonly method: HttpMethod;
  /** The path pattern (`/api/minions/:minion_id`). */
  readonly path: string;
  /** Who may call it. */
  readonly permission: RoutePermission;
  /** One line for the OpenAPI document. */
  readonly summary: string;
  /** More words for the OpenAPI document. */
  readonly description: string | undefined;
  /** OpenAPI tags. */
  readonly tags: readonly string[];
  /** OpenAPI operation id. */
  readonly operationId: string;
  /** Schema of the path parameters. */
  readonly params: z.ZodType | undefined;
  /** Schema of the query string. */
  readonly query: z.ZodType | undefined;
  /** Schema of the JSON body. */
  readonly body: z.ZodType | undefined;
  /** Schema of the success body. */
  readonly response: z.ZodType | undefined;
  /** Media type of the success body. */
  readonly responseContentType: string;
  /** The success status for plain values. */
  readonly status: SuccessStatus;
  /** Error statuses the route declares beyond the router's own. */
  readonly errors: readonly ErrorStatus[];
  /** Runs the route with parsed input. */
  handler(context: RouteContext<TApp, unknown, unknown, unknown, Principal | null>): Promise<unknown>;
}

/**
 * Declares a route. The `params`, `query` and `body` schemas type the handler's context; the
 * `response` schema types what it returns; all four feed the OpenAPI document. The route's
 * `app` is `unknown`: use {@link defineRouteFor} to type it.
 *
 * @example
 * ```ts
 * const getMinion = defineRoute({
 *   method: 'GET',
 *   path: '/api/minions/:minion_id',
 *   permission: 'view:minion:*',
 *   summary: 'One minion with its grains',
 *   tags: ['minions'],
 *   params: z.object({ minion_id: z.string().min(1) }),
 *   response: MinionDetail,
 *   handler: async ({ params }) => loadMinion(params.minion_id),
 * });
 * ```
 */
export function defineRoute<
  TParams extends InputSchema = undefined,
  TQuery extends InputSchema = undefined,
  TBody extends InputSchema = undefined,
  TResponse extends InputSchema = undefined,
  const TPermission extends string = string,
>(definition: RouteDefinition<unknown, TParams, TQuery, TBody, TResponse, TPermission>): Route<unknown> {
  return toRoute(definition);
}

/**
 * Returns a {@link defineRoute} whose handlers see `app` as `TApp` (TypeScript cannot infer the
 * application type from a handler, so it is fixed once per feature).
 *
 * @example
 * ```ts
 * const defineHaliteRoute = defineRouteFor<Halite>();
 * export const keyRoutes = [
 *   defineHaliteRoute({
 *     method: 'POST', path: '/api/keys/:key_id/accept', status: 204,
 *     permission: ({ params }) => `accept:key:${params.key_id}`,
 *     summary: 'Accept a pending key', tags: ['keys'],
 *     params: z.object({ key_id: z.string() }),
 *     handler: async ({ app, params }) => { await app.keys.accept(params.key_id); return null; },
 *   }),
 * ];
 * ```
 */
export function defineRouteFor<TApp>(): <
  TParams extends InputSchema = undefined,
  TQuery extends InputSchema = undefined,
  TBody extends InputSchema = undefined,
  TResponse extends InputSchema = undefined,
  const TPermission extends string = string,
>(
  definition: RouteDefinition<TApp, TParams, TQuery, TBody, TResponse, TPermission>,
) => Route<TApp> {
  return (definition) => toRoute(definition);
}

// The router parses every input with the route's own schemas before it calls the permission
// function or the handler, so erasing their input types here is sound.
function toRoute<TApp>(
  // biome-ignore lint/suspicious/noExplicitAny: erasure point of the typed definition (see above)
  definition: RouteDefinition<TApp, any, any, any, any, string>,
): Route<TApp> {
  if (!definition.path.startsWith('/'))
    throw new TypeError(`route path must start with "/": ${definition.path}`);
  return Object.freeze({
    method: definition.method,
    path: definition.path,
    permission: definition.permission as RoutePermission,
    summary: definition.summary,
    description: definition.description,
    tags: definition.tags ?? [],
    operationId: definition.operationId ?? operationIdFor(definition.method, definition.path),
    params: definition.params,
    query: definition.query,
    body: definition.body,
    response: definition.response,
    responseContentType: definition.responseContentType ?? 'application/json',
    status: definition.status ?? 200,
    errors: definition.errors ?? [],
    handler: definition.handler as Route<TApp>['handler'],
  });
}

/** `GET /api/minions/:minion_id` → `get_api_minions_by_minion_id`. */
function operationIdFor(method: HttpMethod, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `by_${segment.slice(1)}` : segment))
    .map((word) => word.replace(/[^A-Za-z0-9_]+/g, '_'));
  return [method.toLowerCase(), ...words].join('_');
}
