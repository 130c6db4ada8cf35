import {
  HaliteError,
  type HaliteErrorCode,
  type LogFields,
  type Logger,
  SaltAPIError,
  SaltAPIUnavailable,
} from '@halite/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HTTP_ERROR_STATUS } from './error-response.js';
import type { Principal } from './principal.js';
import { defineRoute, defineRouteFor } from './route.js';
import { type AccessDecision, createRouter, type RouterOptions } from './router.js';

function recordingLogger() {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const log =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  return { logger, lines };
}

const alice: Principal = { id: 'u1', name: 'alice', permissions: ['view:minion:*'], via: 'session' };

const routes = [
  defineRoute({
    method: 'GET',
    path: '/api/minions/:minion_id',
    permission: 'view:minion:*',
    summary: 'One minion',
    params: z.object({ minion_id: z.string() }),
    handler: async ({ params, principal }) => ({ id: params.minion_id, seen_by: principal.name }),
  }),
  defineRoute({
    method: 'POST',
    path: '/api/keys/:key_id/accept',
    permission: ({ params }) => `accept:key:${params.key_id}`,
    summary: 'Accept a key',
    params: z.object({ key_id: z.string() }),
    status: 202,
    handler: async () => null,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/me',
    permission: 'authenticated',
    summary: 'Who am I',
    handler: async ({ principal }) => ({ id: principal.id, via: principal.via }),
  }),
  defineRoute({
    method: 'GET',
    path: '/api/public',
    permission: 'public',
    summary: 'Anyone',
    handler: async ({ principal }) => ({ principal }),
  }),
  defineRoute({
    method: 'POST',
    path: '/api/login',
    permission: 'public',
    summary: 'Sets a cookie on a Response',
    handler: async ({ responseHeaders }) => {
      responseHeaders.append('set-cookie', 'halite_session=abc; HttpOnly');
      return new Response('done', { status: 200, headers: { 'content-type': 'text/plain' } });
    },
  }),
];

const get = (path: string, init?: RequestInit) => new Request(`http://halite.test${path}`, init);

describe('createRouter', () => {
  describe('without authenticate', () => {
    it('treats every request as the anonymous principal with every permission', async () => {
      const handler = createRouter(routes);
      const res = await handler(get('/api/minions/web-01'));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: 'web-01', seen_by: 'anonymous' });
    });

    it('lets a derived permission through as well', async () => {
      const res = await createRouter(routes)(get('/api/keys/web-01/accept', { method: 'POST' }));
      expect(res.status).toBe(202);
      expect(await res.text()).toBe('');
    });
  });

  describe('with authenticate', () => {
    const decisions: AccessDecision[] = [];
    const options: RouterOptions<unknown> = {
      authenticate: async (req) => (req.headers.get('authorization') === 'Bearer alice' ? alice : null),
      onDecision: (decision) => decisions.push(decision),
    };
    const handler = createRouter(routes, options);
    const asAlice = { headers: { authorization: 'Bearer alice' } };

    it('answers 401 when nobody is authenticated, and records the denial', async () => {
      decisions.length = 0;
      const res = await handler(get('/api/minions/web-01'));
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: { code: 'unauthorized', message: 'Not authenticated', details: null },
      });
      expect(decisions).toEqual([
        expect.objectContaining({
          route: 'GET /api/minions/:minion_id',
          method: 'GET',
          path: '/api/minions/web-01',
          permission: null,
          principal: null,
          allowed: false,
          status: 401,
          error_code: 'unauthorized',
        }),
      ]);
    });

    it('serves a principal holding the permission, and records the allow with its status', async () => {
      decisions.length = 0;
      const res = await handler(get('/api/minions/web-01', asAlice));
      expect(await res.json()).toEqual({ id: 'web-01', seen_by: 'alice' });
      expect(decisions).toHaveLength(1);
      expect(decisions[0]).toMatchObject({
        permission: 'view:minion:*',
        principal: alice,
        allowed: true,
        status: 200,
      });
      expect(decisions[0]?.duration_ms).toBeGreaterThanOrEqual(0);
      expect(decisions[0]?.error_code).toBeNull();
    });

    it('answers 403 naming the permission the principal lacks (derived from the path)', async () => {
      decisions.length = 0;
      const res = await handler(get('/api/keys/db-01/accept', { method: 'POST', ...asAlice }));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: { code: 'forbidden', message: 'Forbidden', details: { permission: 'accept:key:db-01' } },
      });
      expect(decisions[0]).toMatchObject({ permission: 'accept:key:db-01', allowed: false, status: 403 });
    });

    it("lets any principal through an 'authenticated' route", async () => {
      const res = await handler(get('/api/me', asAlice));
      expect(await res.json()).toEqual({ id: 'u1', via: 'session' });
    });

    it('skips authentication on public routes and records nothing', async () => {
      decisions.length = 0;
      const res = await handler(get('/api/public'));
      expect(await res.json()).toEqual({ principal: null });
      expect(decisions).toEqual([]);
    });

    it('asks a custom authorize with the principal, the permission and the route', async () => {
      const asked: string[] = [];
      const custom = createRouter(routes, {
        authenticate: async () => alice,
        authorize: (principal, permission, { route }) => {
          asked.push(`${principal.name} ${permission} ${route.method} ${route.path}`);
          return permission.startsWith('accept:');
        },
      });
      expect((await custom(get('/api/keys/k1/accept', { method: 'POST' }))).status).toBe(202);
      expect((await custom(get('/api/minions/m1'))).status).toBe(403);
      expect(asked).toEqual([
        'alice accept:key:k1 POST /api/keys/:key_id/accept',
        'alice view:minion:* GET /api/minions/:minion_id',
      ]);
    });

    it('survives an onDecision hook that throws, logging it', async () => {
      const { logger, lines } = recordingLogger();
      const throwing = createRouter(routes, {
        logger,
        onDecision: () => {
          throw new Error('audit down');
        },
      });
      const res = await throwing(get('/api/minions/web-01'));
      expect(res.status).toBe(200);
      expect(lines.map((l) => l.message)).toEqual(['onDecision threw']);
    });
  });

  describe('errors', () => {
    const throwing = (error: unknown) =>
      createRouter([
        defineRoute({
          method: 'GET',
          path: '/api/fail',
          permission: 'public',
          summary: 'Throws',
          handler: async () => {
            throw error;
          },
        }),
      ]);

    const cases: [HaliteErrorCode, number][] = [
      ['invalid_input', 400],
      ['unauthorized', 401],
      ['forbidden', 403],
      ['not_found', 404],
      ['conflict', 409],
      ['payload_too_large', 413],
      ['rate_limited', 429],
      ['salt_unconfigured', 503],
      ['salt_unavailable', 503],
      ['salt_error', 502],
    ];
    it.each(cases)('answers a HaliteError %s with %i, its message and details', async (code, status) => {
      const res = await throwing(new HaliteError(code, `it was ${code}`, { details: { why: code } }))(
        get('/api/fail'),
      );
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({
        error: { code, message: `it was ${code}`, details: { why: code } },
      });
    });

    it('maps every code in one table', () => {
      expect(HTTP_ERROR_STATUS).toEqual({
        invalid_input: 400,
        unauthorized: 401,
        forbidden: 403,
        not_found: 404,
        method_not_allowed: 405,
        conflict: 409,
        payload_too_large: 413,
        unsupported_media_type: 415,
        rate_limited: 429,
        store_error: 500,
        internal: 500,
        salt_error: 502,
        salt_unconfigured: 503,
        salt_unavailable: 503,
      });
    });

    it('answers salt-api being unreachable with 503 and its reason', async () => {
      const res = await throwing(
        new SaltAPIUnavailable('salt-api unreachable: timeout', { reason: 'timeout' }),
      )(get('/api/fail'));
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: {
          code: 'salt_unavailable',
          message: 'salt-api unreachable: timeout',
          details: { reason: 'timeout' },
        },
      });
    });

    it('answers a salt-api error with 502', async () => {
      const res = await throwing(new SaltAPIError(500, 'boom'))(get('/api/fail'));
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('salt_error');
    });

    it('hides a store error behind a generic 500 and logs its cause', async () => {
      const { logger, lines } = recordingLogger();
      const cause = new Error('SQLITE_BUSY: database is locked');
      const handler = createRouter(
        [
          defineRoute({
            method: 'GET',
            path: '/api/fail',
            permission: 'public',
            summary: 'Throws',
            handler: async () => {
              throw new HaliteError('store_error', 'query failed on minion_snapshots', { cause });
            },
          }),
        ],
        { logger },
      );
      const res = await handler(get('/api/fail'));
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({
        error: { code: 'store_error', message: 'Internal server error', details: null },
      });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        level: 'error',
        message: 'request failed',
        fields: {
          route: 'GET /api/fail',
          code: 'store_error',
          error: {
            message: 'query failed on minion_snapshots',
            cause: { message: 'SQLITE_BUSY: database is locked' },
          },
        },
      });
    });

    it('answers any other error with a generic 500, logged', async () => {
      const { logger, lines } = recordingLogger();
      const handler = createRouter(
        [
          defineRoute({
            method: 'GET',
            path: '/api/fail',
            permission: 'public',
            summary: 'Throws',
            handler: async () => {
              throw new TypeError('cannot read properties of undefined');
            },
          }),
        ],
        { logger },
      );
      const res = await handler(get('/api/fail'));
      expect(await res.json()).toEqual({
        error: { code: 'internal', message: 'Internal server error', details: null },
      });
      expect(lines[0]?.fields?.error).toMatchObject({ name: 'TypeError' });
    });
  });

  describe('routing', () => {
    it('strips the base path and answers 404 outside it', async () => {
      const handler = createRouter(routes, { basePath: '/halite/' });
      expect((await handler(get('/halite/api/public'))).status).toBe(200);
      const outside = await handler(get('/api/public'));
      expect(outside.status).toBe(404);
      expect(await outside.json()).toEqual({
        error: { code: 'not_found', message: 'No route for GET /api/public', details: null },
      });
    });

    it('tolerates one trailing slash', async () => {
      expect((await createRouter(routes)(get('/api/public/'))).status).toBe(200);
    });

    it('answers OPTIONS with the allowed methods', async () => {
      const res = await createRouter(routes)(get('/api/minions/x', { method: 'OPTIONS' }));
      expect(res.status).toBe(204);
      expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    });

    it('answers 400 for a path parameter with broken percent-encoding', async () => {
      const res = await createRouter(routes)(get('/api/minions/%E0%A4%A'));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: {
          code: 'invalid_input',
          message: 'params.minion_id: malformed percent-encoding',
          details: { issues: [{ path: 'params.minion_id', message: 'malformed percent-encoding' }] },
        },
      });
    });

    it('refuses two routes for the same method and path shape', () => {
      const twin = defineRoute({
        method: 'GET',
        path: '/api/minions/:id',
        permission: 'public',
        summary: 'twin',
        handler: async () => null,
      });
      expect(() => createRouter([...routes, twin])).toThrow('two routes answer GET /api/minions/:id');
    });

    it('adds context.responseHeaders to a Response the handler returns, cookies appended', async () => {
      const res = await createRouter(routes)(get('/api/login', { method: 'POST' }));
      expect(res.headers.get('content-type')).toBe('text/plain');
      expect(res.headers.getSetCookie()).toEqual(['halite_session=abc; HttpOnly']);
      expect(await res.text()).toBe('done');
    });

    it('hands handlers the app given to the router', async () => {
      const defineAppRoute = defineRouteFor<{ greeting: string }>();
      const handler = createRouter(
        [
          defineAppRoute({
            method: 'GET',
            path: '/hello',
            permission: 'public',
            summary: 'hello',
            handler: async ({ app }) => ({ said: app.greeting }),
          }),
        ],
        { app: { greeting: 'hi' } },
      );
      expect(await (await handler(get('/hello'))).json()).toEqual({ said: 'hi' });
    });
  });

  describe('input', () => {
    const handler = createRouter(
      [
        defineRoute({
          method: 'PUT',
          path: '/api/settings',
          permission: 'edit:settings:*',
          summary: 'Update',
          body: z.object({ targets: z.array(z.object({ port: z.number().int() })) }).strict(),
          handler: async ({ body }) => body,
        }),
      ],
      { maxBodyBytes: 64 },
    );
    const put = (body: BodyInit, contentType = 'application/json') =>
      handler(get('/api/settings', { method: 'PUT', headers: { 'content-type': contentType }, body }));

    it('names the nested field that fails, with its index', async () => {
      const res = await put(JSON.stringify({ targets: [{ port: 1 }, { port: 'x' }] }));
      expect(await res.json()).toEqual({
        error: {
          code: 'invalid_input',
          message: 'body.targets[1].port: Invalid input: expected number, received string',
          details: {
            issues: [
              { path: 'body.targets[1].port', message: 'Invalid input: expected number, received string' },
            ],
          },
        },
      });
    });

    it('accepts application/*+json', async () => {
      const res = await put('{"targets":[]}', 'application/merge-patch+json');
      expect(await res.json()).toEqual({ targets: [] });
    });

    it('answers 413 past maxBodyBytes without reading on', async () => {
      const res = await put(JSON.stringify({ targets: Array.from({ length: 10 }, () => ({ port: 1 })) }));
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        error: {
          code: 'payload_too_large',
          message: 'body: larger than 64 bytes',
          details: { max_bytes: 64 },
        },
      });
    });

    it('answers 400 for bytes that are not UTF-8', async () => {
      const res = await put(new Uint8Array([0x7b, 0xff, 0x7d]));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        'body: not valid UTF-8',
      );
    });

    it('answers 415 for a body without a Content-Type', async () => {
      const res = await handler(get('/api/settings', { method: 'PUT', body: new Blob(['{}']) }));
      expect(res.status).toBe(415);
    });
  });
});
