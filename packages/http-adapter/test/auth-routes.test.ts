import { createServer } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHaliteHandler, toNodeListener } from '../src/index.js';
import { listenOnLoopback } from './listen.js';
import { ADMIN_PASSWORD, createTestHalite, type TestHalite } from './seeded-halite.js';
import { testStores } from './test-stores.js';

let t: TestHalite;

const json = { 'content-type': 'application/json' };

async function login(username: string, password: string) {
  const res = await t.request('POST', '/api/auth/login', { body: { username, password } });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { res, cookie: { cookie } };
}

/** Logs in as the first-boot admin and changes its password; returns the cookie header. */
async function admin() {
  const { cookie } = await login('admin', ADMIN_PASSWORD);
  const res = await t.request('POST', '/api/auth/change-password', {
    headers: cookie,
    body: { current_password: ADMIN_PASSWORD, new_password: 'admin-password-2' },
  });
  expect(res.status).toBe(204);
  return cookie;
}

async function createUser(cookie: Record<string, string>, username: string, roles: string[] = ['viewer']) {
  const roleIds: string[] = [];
  for (const name of roles) roleIds.push((await t.store.roles.getByName(name))?.id ?? '');
  const res = await t.request('POST', '/api/users', {
    headers: cookie,
    body: { username, password: 'user-password-1', must_change_pw: false, role_ids: roleIds },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

// The same tests on every Store: SQLite, and PostgreSQL (one schema for this file).
describe.each(testStores())('on $name', (kind) => {
  beforeEach(async () => {
    t = await createTestHalite({ auth: 'builtin', store: kind });
  });
  afterEach(async () => {
    await t.close();
  });

  describe('login and sessions', () => {
    it('answers a wrong password and an unknown user alike, and audits both as denies', async () => {
      const wrong = await login('admin', 'not-the-password');
      const unknown = await login('ghost', 'not-the-password');
      expect(wrong.res.status).toBe(401);
      expect(unknown.res.status).toBe(401);
      expect(await wrong.res.json()).toEqual(await unknown.res.json());
      expect(wrong.res.headers.get('set-cookie')).toBeNull();
      const rows = (await t.halite.audit.list({ action: 'auth.login' })).items;
      expect(rows.map((r) => [r.resource, r.decision, r.resultCode, r.userId])).toEqual([
        ['user:ghost', 'deny', 401, null],
        ['user:admin', 'deny', 401, null],
      ]);
      expect(JSON.stringify(rows)).not.toContain('not-the-password');
    });

    it('throttles a username after 5 failures with a 429, even with the right password', async () => {
      for (let i = 0; i < 5; i++) expect((await login('admin', `wrong-${i}`)).res.status).toBe(401);
      expect((await login('admin', ADMIN_PASSWORD)).res.status).toBe(429);
    });

    it('sets an HttpOnly SameSite=Lax cookie; the first login must change the password first', async () => {
      const { res, cookie } = await login('admin', ADMIN_PASSWORD);
      expect(res.headers.get('set-cookie')).toMatch(
        /^halite_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=28800$/,
      );
      expect(await res.json()).toMatchObject({
        username: 'admin',
        must_change_pw: true,
        permissions: ['*:*'],
      });
      expect((await t.request('GET', '/api/minions', { headers: cookie })).status).toBe(403);
      expect((await t.request('GET', '/api/activity', { headers: cookie })).status).toBe(403);
      expect((await t.request('GET', '/api/auth/me', { headers: cookie })).status).toBe(200);
    });

    it('logout ends the session and clears the cookie', async () => {
      const cookie = await admin();
      const out = await t.request('POST', '/api/auth/logout', { headers: cookie });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/^halite_session=; .*Max-Age=0/);
      expect((await t.request('GET', '/api/auth/me', { headers: cookie })).status).toBe(401);
    });

    it("change-password keeps this session and ends the user's others", async () => {
      const cookie = await admin();
      const other = (await login('admin', 'admin-password-2')).cookie;
      const res = await t.request('POST', '/api/auth/change-password', {
        headers: cookie,
        body: { current_password: 'admin-password-2', new_password: 'admin-password-3' },
      });
      expect(res.status).toBe(204);
      expect((await t.request('GET', '/api/auth/me', { headers: cookie })).status).toBe(200);
      expect((await t.request('GET', '/api/auth/me', { headers: other })).status).toBe(401);
    });

    it("an admin's password reset ends all of that user's sessions; deactivation refuses them at once", async () => {
      const cookie = await admin();
      const bob = await createUser(cookie, 'bob');
      const bobCookie = (await login('bob', 'user-password-1')).cookie;
      expect((await t.request('GET', '/api/minions', { headers: bobCookie })).status).toBe(200);
      await t.request('POST', `/api/users/${bob.id}/password`, {
        headers: cookie,
        body: { new_password: 'reset-password-1', must_change_pw: false },
      });
      expect((await t.request('GET', '/api/minions', { headers: bobCookie })).status).toBe(401);
      const again = (await login('bob', 'reset-password-1')).cookie;
      const patched = await t.request('PATCH', `/api/users/${bob.id}`, {
        headers: cookie,
        body: { is_active: false },
      });
      expect(patched.status).toBe(200);
      expect((await t.request('GET', '/api/minions', { headers: again })).status).toBe(401);
      expect((await login('bob', 'reset-password-1')).res.status).toBe(401);
    });

    it('refuses a cross-site state-changing request carrying the cookie (CSRF), allows same-origin', async () => {
      const cookie = await admin();
      const cross = await t.request('POST', '/api/roles', {
        headers: { ...cookie, ...json, origin: 'https://evil.example' },
        body: { name: 'x' },
      });
      expect(cross.status).toBe(403);
      const fetchSite = await t.request('POST', '/api/roles', {
        headers: { ...cookie, 'sec-fetch-site': 'cross-site' },
        body: { name: 'x' },
      });
      expect(fetchSite.status).toBe(403);
      const same = await t.request('POST', '/api/roles', {
        headers: { ...cookie, origin: 'http://halite.test', 'sec-fetch-site': 'same-origin' },
        body: { name: 'x' },
      });
      expect(same.status).toBe(201);
      expect((await t.store.roles.list()).items.map((r) => r.name)).toContain('x');
    });
  });

  describe('API tokens', () => {
    it('creates a token shown once, authenticates with it, lists without it, and revokes it', async () => {
      const cookie = await admin();
      const created = await t.request('POST', '/api/tokens', { headers: cookie, body: { name: 'ci' } });
      expect(created.status).toBe(201);
      const { token, id } = (await created.json()) as { token: string; id: string };
      const bearer = { authorization: `Bearer ${token}` };
      expect((await t.request('GET', '/api/minions', { headers: bearer })).status).toBe(200);
      const list = await (await t.request('GET', '/api/tokens', { headers: cookie })).text();
      expect(list).toContain('"name":"ci"');
      expect(list).not.toContain(token);
      expect((await t.request('DELETE', `/api/tokens/${id}`, { headers: cookie })).status).toBe(204);
      expect((await t.request('GET', '/api/minions', { headers: bearer })).status).toBe(401);
    });
  });

  describe('users, roles and the audit log', () => {
    it('refuses a duplicate username (409), deleting oneself or a built-in role (409)', async () => {
      const cookie = await admin();
      await createUser(cookie, 'carol');
      const dup = await t.request('POST', '/api/users', {
        headers: cookie,
        body: { username: 'CAROL', password: 'user-password-1' },
      });
      expect(dup.status).toBe(409);
      const me = (await (await t.request('GET', '/api/auth/me', { headers: cookie })).json()) as {
        id: string;
      };
      expect((await t.request('DELETE', `/api/users/${me.id}`, { headers: cookie })).status).toBe(409);
      const viewer = await t.store.roles.getByName('viewer');
      expect((await t.request('DELETE', `/api/roles/${viewer?.id}`, { headers: cookie })).status).toBe(409);
    });

    it('gives a custom role function-level grants: test.* but not cmd.run', async () => {
      const cookie = await admin();
      const role = (await (
        await t.request('POST', '/api/roles', {
          headers: cookie,
          body: { name: 'testers', permissions: [{ verb: 'execute', resource_glob: 'salt:test.*' }] },
        })
      ).json()) as { id: string };
      const dave = await createUser(cookie, 'dave', []);
      expect(
        (
          await t.request('POST', `/api/users/${dave.id}/roles`, {
            headers: cookie,
            body: { role_id: role.id },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await t.request('POST', `/api/users/${dave.id}/roles`, {
            headers: cookie,
            body: { role_id: role.id },
          })
        ).status,
      ).toBe(200);
      const daveCookie = (await login('dave', 'user-password-1')).cookie;
      const run = (fun: string) =>
        t.request('POST', '/api/run', {
          headers: daveCookie,
          body: { tgt: '*', tgt_type: 'glob', fun, arg: [], kwarg: {} },
        });
      expect((await run('test.ping')).status).toBe(503);
      expect((await run('cmd.run')).status).toBe(403);
      const rows = (await t.halite.audit.list({ action: 'salt.run' })).items;
      expect(rows.map((r) => [r.resource, r.decision, r.resultCode])).toEqual([
        ['salt:cmd.run', 'deny', 403],
        ['salt:test.ping', 'deny', 503],
      ]);
    });

    it('filters and pages the audit log and exports CSV', async () => {
      const cookie = await admin();
      await login('admin', 'bad-password');
      const denied = (await (
        await t.request('GET', '/api/audit?decision=deny&limit=1', { headers: cookie })
      ).json()) as {
        total: number;
        entries: Array<{ action: string; username: string | null }>;
      };
      expect(denied.total).toBe(1);
      expect(denied.entries).toMatchObject([{ action: 'auth.login', username: null }]);
      const csv = await t.request('GET', '/api/audit?format=csv&action=auth.login', { headers: cookie });
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const lines = (await csv.text()).trim().split('\r\n');
      expect(lines[0]).toBe(
        'id,at,user_id,username,action,resource,decision,result_code,salt_jid,duration_ms,client_address,args',
      );
      expect(lines).toHaveLength(3);
    });
  });

  describe('the Secure flag of the session cookie', () => {
    const loginOver = (handler: (r: Request) => Promise<Response>, origin: string, password: string) =>
      handler(
        new Request(`${origin}/api/auth/login`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ username: 'admin', password }),
        }),
      );

    it.each([
      ['auto', 'http://halite.test', false],
      ['auto', 'https://halite.test', true],
      ['always', 'http://halite.test', true],
      ['never', 'https://halite.test', false],
    ] as const)(
      'cookieSecure %s over %s: Secure is %s, on login and on logout',
      async (mode, origin, secure) => {
        const handler = createHaliteHandler(t.halite, { cookieSecure: mode });
        const res = await loginOver(handler, origin, ADMIN_PASSWORD);
        expect(res.status).toBe(200);
        const set = res.headers.get('set-cookie') ?? '';
        expect(set).toMatch(/^halite_session=[\w-]{43}; /);
        expect(set.split('; ').includes('Secure')).toBe(secure);
        const out = await handler(
          new Request(`${origin}/api/auth/logout`, {
            method: 'POST',
            headers: { cookie: set.split(';')[0] ?? '' },
          }),
        );
        expect(out.status).toBe(204);
        expect((out.headers.get('set-cookie') ?? '').split('; ').includes('Secure')).toBe(secure);
      },
    );

    it('refuses an unknown cookieSecure mode', () => {
      expect(() => createHaliteHandler(t.halite, { cookieSecure: 'sometimes' as never })).toThrow(
        /cookieSecure/,
      );
    });
  });

  describe("the host's authenticate hook", () => {
    it('answers for requests without a session or token; built-in logins still work; no first-boot admin', async () => {
      await t.close();
      t = await createTestHalite({
        auth: 'builtin',
        store: kind,
        halite: {
          authenticate: async (request) =>
            request.headers.get('x-sso-user') === 'sso-ops'
              ? { id: 'sso:ops', name: 'sso-ops', permissions: ['view:minion:*'], via: 'host' }
              : null,
        },
      });
      expect(await t.store.users.count()).toBe(0);
      const sso = { 'x-sso-user': 'sso-ops' };
      expect((await t.request('GET', '/api/minions', { headers: sso })).status).toBe(200);
      expect((await t.request('GET', '/api/minions')).status).toBe(401);
      expect((await t.request('POST', '/api/keys/web-01/accept', { headers: sso })).status).toBe(403);
      expect((await t.halite.audit.list({ limit: 1 })).items[0]).toMatchObject({
        userId: null,
        username: 'sso-ops',
        action: 'key.accept',
        decision: 'deny',
        resultCode: 403,
      });
      const erin = await t.store.users.create({
        username: 'erin',
        passwordHash: await t.halite.auth.hashPassword('user-password-1'),
      });
      await t.store.roles.assign(erin.id, (await t.store.roles.getByName('viewer'))?.id ?? '');
      const { res, cookie } = await login('erin', 'user-password-1');
      expect(res.status).toBe(200);
      const me = (await (
        await t.request('GET', '/api/auth/me', { headers: { ...cookie, ...sso } })
      ).json()) as {
        username: string;
        via: string;
      };
      expect(me).toMatchObject({ username: 'erin', via: 'session' });
    });
  });

  describe('the client address in the audit log', () => {
    /** Serves the test Halite through the Node bridge on loopback; returns its `fetch`. */
    async function overSocket(trustProxy: boolean) {
      const mount = await listenOnLoopback(createServer(toNodeListener(t.handler, { trustProxy })), '');
      closers.push(mount.close);
      return (path: string, init: RequestInit = {}) => fetch(`${mount.url}${path}`, init);
    }
    const closers: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const close of closers.splice(0)) await close();
    });

    const loginBody = (password: string) => ({
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: 'admin', password }),
    });

    it('is the socket peer, whatever X-Forwarded-For claims, unless the proxy is trusted', async () => {
      const cookie = await admin();
      const send = await overSocket(false);
      const spoofed = { 'x-forwarded-for': '203.0.113.9', forwarded: 'for=203.0.113.10' };
      expect(
        (await send('/api/auth/login', { ...loginBody('wrong'), headers: { ...json, ...spoofed } })).status,
      ).toBe(401);
      const denied = await send('/api/keys/web-01/accept', { method: 'POST', headers: spoofed });
      expect(denied.status).toBe(401);
      const rows = (await t.halite.audit.list({ limit: 2 })).items;
      expect(rows.map((r) => [r.action, r.resultCode, r.clientAddress])).toEqual([
        ['key.accept', 401, '127.0.0.1'],
        ['auth.login', 401, '127.0.0.1'],
      ]);
      const listed = (await (
        await t.request('GET', '/api/audit?client_address=127.0.0.1', { headers: cookie })
      ).json()) as { total: number; entries: Array<{ client_address: string | null }> };
      expect(listed.total).toBe(2);
      expect(listed.entries.map((e) => e.client_address)).toEqual(['127.0.0.1', '127.0.0.1']);
    });

    it('behind a trusted proxy is the address the proxy appended (last X-Forwarded-For, else Forwarded)', async () => {
      const cookie = await admin();
      const send = await overSocket(true);
      // The client forged the first value; the proxy appended the real one.
      await send('/api/auth/login', {
        ...loginBody('wrong'),
        headers: { ...json, 'x-forwarded-for': '198.51.100.66, 203.0.113.9' },
      });
      await send('/api/keys/web-01/reject', {
        method: 'POST',
        headers: { forwarded: 'for=198.51.100.66, for="[2001:db8::1]:4711";proto=https' },
      });
      await send('/api/keys/web-01', { method: 'DELETE', headers: { forwarded: 'for=192.0.2.60:8443' } });
      const rows = (await t.halite.audit.list({ limit: 3 })).items;
      expect(rows.map((r) => [r.action, r.clientAddress])).toEqual([
        ['key.delete', '192.0.2.60'],
        ['key.reject', '2001:db8::1'],
        ['auth.login', '203.0.113.9'],
      ]);
      const csv = await (
        await t.request('GET', '/api/audit?format=csv&client_address=203.0.113.9', { headers: cookie })
      ).text();
      const lines = csv.trim().split('\r\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(',203.0.113.9,');
    });

    it('rejects a client_address filter longer than an address with a 400 naming it', async () => {
      const cookie = await admin();
      const res = await t.request('GET', `/api/audit?client_address=${'1'.repeat(65)}`, { headers: cookie });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('client_address');
    });
  });
});
