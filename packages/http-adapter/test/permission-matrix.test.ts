import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHalite, type TestHalite } from './seeded-halite.js';
import { testStores } from './test-stores.js';

/**
 * Every route × every kind of caller → the expected status, through the built-in auth:
 * A(dmin), O(perator), V(iewer), C(ustom role: `view:minion:*`, `execute:salt:test.*`). Routes
 * with a fixed permission get a body that fails validation, so an allowed call answers 400
 * (the check runs first) and changes nothing; routes whose permission depends on the input get
 * valid input and answer 404/503 (Salt is not configured) when allowed.
 */
const MATRIX: Array<[method: string, path: string, allowed: string, body?: unknown]> = [
  ['GET', '/api/minions', 'AOVC'],
  ['GET', '/api/minions/stats', 'AOVC'],
  ['GET', '/api/minions/web-000', 'AOVC'],
  ['GET', '/api/keys', 'AOV'],
  ['POST', '/api/keys/web-000/accept', 'AO'],
  ['POST', '/api/keys/web-000/reject', 'AO'],
  ['DELETE', '/api/keys/web-000', 'AO'],
  ['GET', '/api/jobs', 'AOV'],
  ['GET', '/api/jobs/activity', 'AOV'],
  ['GET', '/api/jobs/20250615000000000000', 'AOV'],
  ['POST', '/api/jobs/20250615000000000000/kill', 'AO'],
  ['POST', '/api/run', 'AOC', { tgt: '*', tgt_type: 'glob', fun: 'test.ping', arg: [], kwarg: {} }],
  ['POST', '/api/run', 'AO', { tgt: '*', tgt_type: 'glob', fun: 'cmd.run', arg: ['id'], kwarg: {} }],
  ['GET', '/api/activity', 'AOVC'],
  ['GET', '/api/admin/settings/status', 'AOVC'],
  ['GET', '/api/admin/settings', 'A'],
  ['PUT', '/api/admin/settings/salt', 'A', { zz: 1 }],
  ['PUT', '/api/admin/settings/pollers', 'A', { zz: 1 }],
  ['POST', '/api/admin/settings/test-salt', 'A', { zz: 1 }],
  ['POST', '/api/admin/settings/test-salt-saved', 'A', undefined],
  ['GET', '/api/admin/status', 'A'],
  ['GET', '/api/auth/me', 'AOVC'],
  ['POST', '/api/auth/change-password', 'AOVC', { zz: 1 }],
  ['GET', '/api/users', 'AO'],
  ['POST', '/api/users', 'A', { zz: 1 }],
  ['GET', '/api/users/no-such-user', 'AO'],
  ['PATCH', '/api/users/no-such-user', 'A', { zz: 1 }],
  ['DELETE', '/api/users/no-such-user', 'A'],
  ['POST', '/api/users/no-such-user/password', 'A', { zz: 1 }],
  ['GET', '/api/users/no-such-user/roles', 'AO'],
  ['POST', '/api/users/no-such-user/roles', 'A', { zz: 1 }],
  ['DELETE', '/api/users/no-such-user/roles/no-such-role', 'A'],
  ['GET', '/api/roles', 'AO'],
  ['POST', '/api/roles', 'A', { zz: 1 }],
  ['GET', '/api/roles/no-such-role', 'AO'],
  ['PATCH', '/api/roles/no-such-role', 'A', { zz: 1 }],
  ['DELETE', '/api/roles/no-such-role', 'A'],
  ['POST', '/api/roles/no-such-role/permissions', 'A', { zz: 1 }],
  ['DELETE', '/api/roles/no-such-role/permissions/no-such-permission', 'A'],
  ['GET', '/api/tokens', 'AOVC'],
  ['POST', '/api/tokens', 'AOVC', { zz: 1 }],
  ['DELETE', '/api/tokens/no-such-token', 'AOVC'],
  ['GET', '/api/audit', 'AO'],
  ['GET', '/api/audit?format=csv', 'AO'],
];

const ROLE_LETTERS = { root: 'A', operator: 'O', viewer: 'V', custom: 'C' } as const;

describe.each(testStores())('permission matrix on $name: every route × every kind of caller', (kind) => {
  let t: TestHalite;
  const bearer: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestHalite({ seed: true, auth: 'builtin', store: kind });
    const { store, halite } = t;
    const custom = await store.roles.create({
      name: 'minion-tester',
      permissions: [
        { verb: 'view', resourceGlob: 'minion:*' },
        { verb: 'execute', resourceGlob: 'salt:test.*' },
      ],
    });
    const roleId = async (name: string) => (await store.roles.getByName(name))?.id ?? custom.id;
    const make = async (username: string, role: string) => {
      const user = await store.users.create({
        username,
        passwordHash: await halite.auth.hashPassword('pw-12345678'),
      });
      await store.roles.assign(user.id, await roleId(role));
      bearer[username] = (await halite.tokens.create(user.id, { name: 'matrix' })).token;
      return user;
    };
    await make('root', 'admin');
    await make('operator', 'operator');
    await make('viewer', 'viewer');
    await make('custom', 'minion-tester');
    const inactive = await make('inactive', 'admin');
    await store.users.update(inactive.id, { isActive: false });
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (method: string, path: string, body: unknown, token: string | null) =>
    t.request(method, path, {
      ...(body === undefined ? {} : { body }),
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });

  const lastAudit = async () => (await t.halite.audit.list({ limit: 1 })).items[0];

  for (const [who, letter] of Object.entries(ROLE_LETTERS)) {
    it.each(MATRIX)(`${who}: %s %s (allowed for %s)`, async (method, path, allowed, body) => {
      const before = (await t.halite.audit.list({ limit: 1 })).total;
      const res = await call(method, path, body, bearer[who] as string);
      await res.body?.cancel();
      if (allowed.includes(letter)) {
        expect([401, 403], `${who} ${method} ${path} → ${res.status}`).not.toContain(res.status);
      } else {
        expect(res.status).toBe(403);
        expect(await lastAudit()).toMatchObject({ username: who, decision: 'deny', resultCode: 403 });
        expect((await t.halite.audit.list({ limit: 1 })).total).toBe(before + 1);
      }
    });
  }

  const nobody: Array<[string, string | null]> = [
    ['no session', null],
    ['a bad token', 'halite_not-a-real-token'],
    ['an inactive user', 'inactive'],
  ];
  for (const [label, token] of nobody) {
    it.each(MATRIX)(`${label}: %s %s → 401`, async (method, path, _allowed, body) => {
      const res = await call(method, path, body, token === 'inactive' ? (bearer.inactive as string) : token);
      await res.body?.cancel();
      expect(res.status).toBe(401);
      expect(await lastAudit()).toMatchObject({ userId: null, decision: 'deny', resultCode: 401 });
    });
  }

  it('audits a refused password change as a deny, its passwords redacted', async () => {
    const res = await call(
      'POST',
      '/api/auth/change-password',
      { current_password: 'wrong-one', new_password: 'another-password' },
      bearer.viewer as string,
    );
    expect(res.status).toBe(403);
    const row = await lastAudit();
    expect(row).toMatchObject({
      username: 'viewer',
      action: 'auth.change_password',
      decision: 'deny',
      resultCode: 403,
    });
    expect(JSON.stringify(row?.args)).not.toContain('wrong-one');
    expect(row?.args).toMatchObject({ body: { current_password: '[REDACTED]', new_password: '[REDACTED]' } });
  });
});
