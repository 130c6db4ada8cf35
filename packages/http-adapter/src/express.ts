import type { IncomingMessage } from 'node:http';
import type { Request as ExpressRequest, RequestHandler } from 'express';
import { type NodeListenerOptions, toNodeListener } from './node/to-node-listener.js';
import type { Principal } from './principal.js';
import type { FetchHandler } from './router.js';

/** Options of {@link createExpressMiddleware}: those of the Node bridge, `principal` typed for Express. */
export interface ExpressMiddlewareOptions extends Omit<NodeListenerOptions, 'principal'> {
  /**
   * Maps your own login (`req.user` from passport, `req.session`) to the principal Halite uses;
   * `null` is nobody (401). Without it, the handler's own `authenticate` decides.
   */
  principal?: (req: ExpressRequest) => Principal | null | Promise<Principal | null>;
}

/**
 * Mounts a web-standard handler (e.g. `createHaliteHandler(halite)`) in Express 5 (or 4).
 * Express strips the mount path (`req.baseUrl`), so routes match below it; a body that
 * `express.json()` already parsed is reused; `compression()` in front is fine (each chunk is
 * flushed, and event streams say `no-transform`).
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createExpressMiddleware } from '@halite/http/express';
 *
 * const app = express();
 * app.use('/halite', requireLogin, createExpressMiddleware(createHaliteHandler(halite), {
 *   principal: (req) => ({ id: req.user.id, name: req.user.name, permissions: ['view:*'], via: 'host' }),
 * }));
 * ```
 */
export function createExpressMiddleware(
  handler: FetchHandler,
  options: ExpressMiddlewareOptions = {},
): RequestHandler {
  const { principal, ...rest } = options;
  const listener = toNodeListener(handler, {
    ...rest,
    ...(principal ? { principal: (req: IncomingMessage) => principal(req as ExpressRequest) } : {}),
  });
  return (req, res, next) => listener(req, res, next);
}
