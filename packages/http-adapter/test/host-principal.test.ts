import { createServer } from 'node:http';
import type { HostMount } from '@halite/testkit';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressMiddleware } from '../src/express.js';
import { haliteFastifyPlugin } from '../src/fastify.js';
import { createRouter, defineRoute, type Principal } from '../src/index.js';
import { listenOnLoopback } from './listen.js';

const handler = createRouter(
  [
    defineRoute({
      method: 'GET',
      path: '/api/whoami',
      permission: 'view:minion:*',
      summary: 'Who the router thinks is asking',
      handler: async ({ principal }) => ({ id: principal.id, via: principal.via }),
    }),
  ],
  { authenticate: async () => ({ id: 'from-authenticate', name: 'x', permissions: ['*'], via: 'token' }) },
);

/** A stand-in for the host's login: the `x-user` header becomes its user. */
const hostUser = (user: string | undefined): Principal | null =>
  user ? { id: user, name: user, permissions: user === 'viewer' ? ['view:*'] : [], via: 'host' } : null;

const mounts: HostMount[] = [];
afterEach(async () => {
  await Promise.all(mounts.splice(0).map((m) => m.close()));
});

const hosts: [string, () => Promise<HostMount>][] = [
  [
    'Express',
    async () => {
      const app = express();
      app.use((req, _res, next) => {
        (req as express.Request & { user?: string }).user = req.get('x-user');
        next();
      });
      app.use(
        '/halite',
        createExpressMiddleware(handler, {
          principal: (req) => hostUser((req as express.Request & { user?: string }).user),
        }),
      );
      return listenOnLoopback(createServer(app), '/halite');
    },
  ],
  [
    'Fastify',
    async () => {
      const app = Fastify();
      await app.register(haliteFastifyPlugin, {
        prefix: '/halite',
        handler,
        principal: (request) => hostUser(request.headers['x-user'] as string | undefined),
      });
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      return { url: `${address}/halite`, close: () => app.close() };
    },
  ],
];

describe.each(hosts)('a principal from the host’s own login (%s)', (_name, mount) => {
  const open = async () => {
    const mounted = await mount();
    mounts.push(mounted);
    return mounted.url;
  };

  it('is used instead of authenticate', async () => {
    const url = await open();
    const res = await fetch(`${url}/api/whoami`, { headers: { 'x-user': 'viewer' } });
    expect(await res.json()).toEqual({ id: 'viewer', via: 'host' });
  });

  it('answers 401 when the host has nobody', async () => {
    const url = await open();
    const res = await fetch(`${url}/api/whoami`);
    expect(res.status).toBe(401);
  });

  it('answers 403 when the host principal lacks the permission', async () => {
    const url = await open();
    const res = await fetch(`${url}/api/whoami`, { headers: { 'x-user': 'nobody-special' } });
    expect(res.status).toBe(403);
  });
});
