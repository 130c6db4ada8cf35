import { createHalite, type Halite, type LogFields, type Store } from '@halite/core';
import { createSqliteStore } from '@halite/store-sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHaliteHandler } from './halite-handler.js';
import type { OpenApiDocument } from './openapi.js';

const SECRET = 'halite-handler-test-secret-0123456789';

describe('createHaliteHandler', () => {
  let store: Store;
  let halite: Halite;
  beforeEach(async () => {
    store = await createSqliteStore({ filename: ':memory:' });
    // Embedding-style: the host's auth gives every request every permission.
    halite = await createHalite({
      store,
      secret: SECRET,
      boot: true,
      authenticate: async () => ({ id: 'host', name: 'host', permissions: ['*'], via: 'host' }),
    });
  });
  afterEach(async () => {
    await halite.close();
    await store.close().catch(() => {});
  });

  it('answers GET /healthz with {"status":"ok"}, without authentication', async () => {
    const guarded = createHaliteHandler(halite, { authenticate: async () => null });
    const res = await guarded(new Request('http://h/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    const api = await guarded(new Request('http://h/api/minions'));
    expect(api.status).toBe(401);
  });

  it('serves every route of Halite from the Halite it was given', async () => {
    const handler = createHaliteHandler(halite);
    await store.minions.reconcile({ insert: [{ minionId: 'web-01', keyStatus: 'pending' }] });
    const res = await handler(new Request('http://h/api/minions'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { total: number; minions: { id: string; status: string }[] };
    expect(body.total).toBe(1);
    expect(body.minions.map((m) => [m.id, m.status])).toEqual([['web-01', 'pending']]);
  });

  it('serves its OpenAPI document under the base path, the same document every time', async () => {
    const handler = createHaliteHandler(halite, { basePath: '/halite' });
    const first = await handler(new Request('http://h/halite/api/openapi.json'));
    expect(first.status).toBe(200);
    const doc = (await first.json()) as OpenApiDocument;
    expect(doc.info).toEqual({
      title: 'Halite',
      version: '0.1.0',
      description:
        "SaltStack fleet console API. Reads are served from Halite's store; actions call salt-api.",
    });
    expect(Object.keys(doc.paths)).toEqual([
      '/healthz',
      '/api/openapi.json',
      '/readyz',
      '/api/minions',
      '/api/minions/stats',
      '/api/minions/{minion_id}',
      '/api/keys',
      '/api/keys/{key_id}/accept',
      '/api/keys/{key_id}/reject',
      '/api/keys/{key_id}',
      '/api/jobs',
      '/api/jobs/activity',
      '/api/jobs/{jid}',
      '/api/jobs/{jid}/kill',
      '/api/run',
      '/api/salt/functions',
      '/api/activity',
      '/api/activity/stream',
      '/api/admin/settings/status',
      '/api/admin/settings',
      '/api/admin/settings/salt',
      '/api/admin/settings/pollers',
      '/api/admin/settings/test-salt',
      '/api/admin/settings/test-salt-saved',
      '/api/admin/status',
      '/api/auth/login',
      '/api/auth/logout',
      '/api/auth/me',
      '/api/auth/change-password',
      '/api/users',
      '/api/users/{user_id}',
      '/api/users/{user_id}/password',
      '/api/users/{user_id}/roles',
      '/api/users/{user_id}/roles/{role_id}',
      '/api/roles',
      '/api/roles/{role_id}',
      '/api/roles/{role_id}/permissions',
      '/api/roles/{role_id}/permissions/{permission_id}',
      '/api/tokens',
      '/api/tokens/{token_id}',
      '/api/audit',
    ]);
    const again = await (await handler(new Request('http://h/halite/api/openapi.json'))).json();
    expect(again).toEqual(doc);
    const outside = await handler(new Request('http://h/api/openapi.json'));
    expect(outside.status).toBe(404);
    expect(((await outside.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('takes OpenAPI info overrides, servers included', async () => {
    const custom = createHaliteHandler(halite, { openApi: { title: 'Fleet', servers: [{ url: '/fleet' }] } });
    const doc = (await (await custom(new Request('http://h/api/openapi.json'))).json()) as OpenApiDocument;
    expect(doc.info.title).toBe('Fleet');
    expect(doc.info.version).toBe('0.1.0');
    expect(doc.servers).toEqual([{ url: '/fleet' }]);
  });

  it('answers a database failure with a generic 500 and logs the cause', async () => {
    const errors: { msg: string; fields?: LogFields }[] = [];
    const handler = createHaliteHandler(halite, {
      logger: {
        debug() {},
        info() {},
        warn() {},
        error: (msg, fields) => errors.push({ msg, ...(fields ? { fields } : {}) }),
      },
    });
    await store.close();
    const res = await handler(new Request('http://h/api/minions'));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: { code: 'store_error', message: 'Internal server error', details: null },
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields).toMatchObject({ route: 'GET /api/minions', code: 'store_error' });
  });

  it('hands every access decision to onDecision', async () => {
    const decisions: { route: string; status: number; allowed: boolean; permission: string | null }[] = [];
    const handler = createHaliteHandler(halite, {
      authenticate: async () => ({ id: 'u', name: 'u', permissions: ['view:minion:*'], via: 'host' }),
      onDecision: (d) =>
        decisions.push({ route: d.route, status: d.status, allowed: d.allowed, permission: d.permission }),
    });
    await handler(new Request('http://h/api/minions'));
    await handler(new Request('http://h/api/keys/web-01/accept', { method: 'POST' }));
    await handler(new Request('http://h/healthz'));
    expect(decisions).toEqual([
      { route: 'GET /api/minions', status: 200, allowed: true, permission: 'view:minion:*' },
      {
        route: 'POST /api/keys/:key_id/accept',
        status: 403,
        allowed: false,
        permission: 'accept:key:web-01',
      },
    ]);
  });
});
