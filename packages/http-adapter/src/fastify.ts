import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type NodeListenerOptions, toNodeListener } from './node/to-node-listener.js';
import type { Principal } from './principal.js';
import type { FetchHandler } from './router.js';

/** Options of {@link haliteFastifyPlugin}: the handler, and the Node bridge's options but `basePath`. */
export interface HaliteFastifyOptions extends Omit<NodeListenerOptions, 'basePath' | 'principal'> {
  /** The web-standard handler to serve (e.g. `createHaliteHandler(halite)`). */
  handler: FetchHandler;
  /**
   * Maps your own login (`request.user`, a session) to the principal Halite uses; `null` is
   * nobody (401). Without it, the handler's own `authenticate` decides.
   */
  principal?: (request: FastifyRequest) => Principal | null | Promise<Principal | null>;
}

/**
 * A Fastify 5 plugin that serves a web-standard handler for every method and path under the
 * prefix it is registered with. Inside its own (encapsulated) context it replaces Fastify's body
 * parsers with one that leaves the body unread, so the handler reads, limits and validates it
 * itself; the rest of the app keeps its parsers. Headers that earlier hooks set on the reply
 * (CORS, security headers) are kept.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { haliteFastifyPlugin } from '@halite/http/fastify';
 *
 * const app = Fastify();
 * await app.register(haliteFastifyPlugin, { prefix: '/halite', handler: createHaliteHandler(halite) });
 * ```
 */
export const haliteFastifyPlugin: FastifyPluginAsync<HaliteFastifyOptions> = async (fastify, options) => {
  const { handler, principal, ...bridgeOptions } = options;
  const requests = new WeakMap<IncomingMessage, FastifyRequest>();
  const listener = toNodeListener(handler, {
    ...bridgeOptions,
    basePath: fastify.prefix,
    ...(principal
      ? { principal: (raw: IncomingMessage) => principal(requests.get(raw) as FastifyRequest) }
      : {}),
  });

  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));

  const serve = (request: FastifyRequest, reply: FastifyReply) => {
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) reply.raw.setHeader(name, value);
    }
    requests.set(request.raw, request);
    reply.hijack();
    listener(request.raw, reply.raw);
  };
  fastify.all('/', serve);
  fastify.all('/*', serve);
};
