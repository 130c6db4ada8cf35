import type { Halite } from '@halite/core';
import {
  type CookieSecureMode,
  haliteAuditDecision,
  haliteAuthenticate,
  haliteAuthorize,
  setCookieSecureMode,
} from './halite-auth.js';
import type { OpenApiInfo } from './openapi.js';
import type { Route } from './route.js';
import { createRouter, type FetchHandler, type RouterOptionsBase } from './router.js';
import { featureRoutes } from './routes/index.js';
import { haliteSystemRoutes } from './system-routes.js';

/** Options of {@link createHaliteHandler}: the router's, plus the OpenAPI `info`. */
export interface HaliteHandlerOptions extends RouterOptionsBase {
  /** Overrides of the OpenAPI document's `info` (and its `servers`, e.g. the mount prefix). */
  openApi?: Partial<OpenApiInfo>;
  /**
   * When the `halite_session` cookie is `Secure`: `'auto'` (default) when the request came over
   * HTTPS, `'always'` (TLS ends at a proxy that does not send `X-Forwarded-Proto`), or `'never'`.
   */
  cookieSecure?: CookieSecureMode;
}

/**
 * The whole Halite API as one web-standard handler: the system routes and every feature's
 * routes, with `halite` as each handler's `context.app`. Mount it with `toNodeListener`,
 * `createExpressMiddleware`, the Fastify plugin, or hand it to any fetch-native host.
 *
 * Auth is on by default: a request needs a `halite_session` cookie (from `POST /api/auth/login`),
 * an `Authorization: Bearer` API token, or a principal from the host's
 * `createHalite({ authenticate })`; RBAC decides (`verb:resource` globs of the user's roles);
 * every action and every refusal is written to the audit log. Each of `authenticate`,
 * `authorize` and `onDecision` can be replaced through the options.
 *
 * @example
 * ```ts
 * const handler = createHaliteHandler(halite, { basePath: '/halite' });
 * Bun.serve({ fetch: handler });
 * ```
 */
export function createHaliteHandler(halite: Halite, options: HaliteHandlerOptions = {}): FetchHandler {
  const { openApi, cookieSecure = 'auto', ...routerOptions } = options;
  if (!['auto', 'always', 'never'].includes(cookieSecure)) {
    throw new TypeError(`cookieSecure must be 'auto', 'always' or 'never', not ${String(cookieSecure)}`);
  }
  const routes: Route<Halite>[] = [...haliteSystemRoutes(openApi), ...featureRoutes.flat()];
  const router = createRouter(routes, {
    authenticate: haliteAuthenticate(halite),
    authorize: haliteAuthorize,
    onDecision: haliteAuditDecision(halite),
    logger: halite.logger,
    ...routerOptions,
    app: halite,
  });
  return (request) => {
    setCookieSecureMode(request, cookieSecure);
    return router(request);
  };
}
