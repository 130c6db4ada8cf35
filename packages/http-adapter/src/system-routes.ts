import { z } from 'zod';
import { buildOpenApiDocument, type OpenApiDocument, type OpenApiInfo } from './openapi.js';
import { defineRoute, type Route } from './route.js';

/** The `info` of Halite's OpenAPI document unless the host gives its own. */
export const HALITE_OPENAPI_INFO: OpenApiInfo = Object.freeze({
  title: 'Halite',
  version: '0.1.0',
  description: "SaltStack fleet console API. Reads are served from Halite's store; actions call salt-api.",
});

/** Body of `GET /healthz`. */
export const HealthStatus = z.object({ status: z.literal('ok') });
/** Body of `GET /healthz`. */
export type HealthStatus = z.infer<typeof HealthStatus>;

/**
 * The routes every Halite handler has, whatever its features: `GET /healthz` (public, for load
 * balancers) and `GET /api/openapi.json` (public: the document of every route of the router,
 * built once from their zod schemas).
 *
 * @example
 * ```ts
 * const handler = createRouter([...haliteSystemRoutes({ servers: [{ url: '/halite' }] }), ...myRoutes]);
 * ```
 */
export function haliteSystemRoutes(info: Partial<OpenApiInfo> = {}): Route<unknown>[] {
  const documentInfo: OpenApiInfo = { ...HALITE_OPENAPI_INFO, ...info };
  const documents = new WeakMap<readonly Route<unknown>[], OpenApiDocument>();
  return [
    defineRoute({
      method: 'GET',
      path: '/healthz',
      permission: 'public',
      summary: 'Liveness: answers while the process serves requests',
      tags: ['system'],
      response: HealthStatus,
      handler: async () => ({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/openapi.json',
      permission: 'public',
      summary: 'This API as an OpenAPI 3.1 document',
      tags: ['system'],
      handler: async ({ routes }) => {
        let document = documents.get(routes);
        if (!document) {
          document = buildOpenApiDocument(routes, documentInfo);
          documents.set(routes, document);
        }
        return document;
      },
    }),
  ];
}
