import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestHalite, type TestHalite } from './seeded-halite.js';

async function sessionOf(t: TestHalite, username: string, password: string): Promise<string> {
  const res = await t.request('POST', '/api/auth/login', { body: { username, password } });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** A session of a new user with only the built-in viewer role. */
async function viewerSession(t: TestHalite): Promise<string> {
  const admin = await sessionOf(t, 'admin', ADMIN_PASSWORD);
  const changed = await t.request('POST', '/api/auth/change-password', {
    headers: { cookie: admin },
    body: { current_password: ADMIN_PASSWORD, new_password: 'admin-password-2' },
  });
  expect(changed.status).toBe(204);
  const viewer = await t.store.roles.getByName('viewer');
  const created = await t.request('POST', '/api/users', {
    headers: { cookie: admin },
    body: {
      username: 'vera',
      password: 'vera-password-1',
      must_change_pw: false,
      role_ids: [viewer?.id ?? ''],
    },
  });
  expect(created.status).toBe(201);
  return sessionOf(t, 'vera', 'vera-password-1');
}

// What `GET /api/salt/functions` answers without a salt-api; the real list is checked against
// a real master in salt-functions.salt.test.ts.
describe('GET /api/salt/functions', () => {
  let t: TestHalite;
  beforeEach(async () => {
    t = await createTestHalite({ auth: 'builtin' });
  });
  afterEach(async () => {
    await t.close();
  });

  it('needs a session', async () => {
    const res = await t.request('GET', '/api/salt/functions');
    expect(res.status).toBe(401);
  });

  it('is open to any signed-in user, and says Salt is not configured (503)', async () => {
    const cookie = await viewerSession(t);
    const res = await t.request('GET', '/api/salt/functions', { headers: { cookie } });
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('salt_unconfigured');
  });

  it('takes no query parameters', async () => {
    const host = await createTestHalite();
    try {
      const res = await host.request('GET', '/api/salt/functions?refresh=1');
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('refresh');
    } finally {
      await host.close();
    }
  });
});
