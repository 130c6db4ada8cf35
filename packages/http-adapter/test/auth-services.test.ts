import {
  AuditService,
  BUILTIN_ROLES,
  bootstrapAdmin,
  hashPassword,
  hashSecret,
  type Logger,
  SessionService,
  type Store,
  seedBuiltinRoles,
  TokenService,
  verifyPassword,
} from '@halite/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OpenedTestStore, testStores } from './test-stores.js';

const cheapHash = (password: string) => hashPassword(password, { N: 2 ** 10 });

let opened: OpenedTestStore;
let store: Store;
let t: number;
const now = () => new Date(t);

async function user(username = 'alice', isActive = true) {
  return store.users.create({ username, passwordHash: await cheapHash('pw-12345678'), isActive });
}

function capturingLogger() {
  const lines: Array<{ level: string; message: string }> = [];
  const log = (level: string) => (message: string) => lines.push({ level, message });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  return { logger, lines };
}

// The same tests on every Store: SQLite, and PostgreSQL (one schema for this file).
describe.each(testStores())('on $name', (kind) => {
  beforeEach(async () => {
    opened = await kind.open();
    store = opened.store;
    t = Date.parse('2025-06-15T12:00:00.000Z');
  });
  afterEach(async () => {
    await opened.dispose();
  });

  describe('seedBuiltinRoles', () => {
    it('creates admin, operator and viewer with the reference grants', async () => {
      await seedBuiltinRoles(store);
      const operator = await store.roles.getByName('operator');
      expect(operator?.isBuiltin).toBe(true);
      expect(operator?.permissions.map((p) => `${p.verb}:${p.resourceGlob}`).sort()).toEqual(
        [
          'accept:key:*',
          'delete:key:*',
          'execute:salt:*',
          'kill:job:*',
          'reject:key:*',
          'run:*',
          'view:*',
        ].sort(),
      );
      expect(
        (await store.roles.getByName('admin'))?.permissions.map((p) => [p.verb, p.resourceGlob]),
      ).toEqual([['*', '*']]);
      expect((await store.roles.getByName('viewer'))?.permissions).toHaveLength(8);
    });

    it('is idempotent, refills missing built-in grants and leaves custom roles and extra grants alone', async () => {
      await seedBuiltinRoles(store);
      const viewer = await store.roles.getByName('viewer');
      const dropped = viewer?.permissions.find((p) => p.resourceGlob === 'job:*');
      await store.roles.removePermission(viewer?.id ?? '', dropped?.id ?? '');
      await store.roles.addPermission(viewer?.id ?? '', { verb: 'view', resourceGlob: 'audit:*' });
      const custom = await store.roles.create({
        name: 'auditor',
        permissions: [{ verb: 'view', resourceGlob: 'audit:*' }],
      });
      await seedBuiltinRoles(store);
      await seedBuiltinRoles(store);
      const after = await store.roles.getByName('viewer');
      expect(after?.permissions).toHaveLength(9);
      expect(after?.permissions.some((p) => p.resourceGlob === 'job:*')).toBe(true);
      expect((await store.roles.get(custom.id))?.permissions).toHaveLength(1);
      expect((await store.roles.list()).total).toBe(BUILTIN_ROLES.length + 1);
    });
  });

  describe('bootstrapAdmin', () => {
    it('creates admin with the given password, the admin role and a forced change', async () => {
      const { logger, lines } = capturingLogger();
      const admin = await bootstrapAdmin({ store, password: 'from-env-123', logger, hash: cheapHash });
      expect(admin).toMatchObject({ username: 'admin', isBuiltin: true, mustChangePassword: true });
      const creds = await store.users.getCredentials('admin');
      expect(await verifyPassword('from-env-123', creds?.passwordHash ?? '')).toBe(true);
      expect((await store.roles.rolesOf(admin?.id ?? '')).map((r) => r.name)).toEqual(['admin']);
      expect(lines.some((l) => l.message.includes('from-env-123'))).toBe(false);
    });

    it('generates a password and prints it once when none is given', async () => {
      const { logger, lines } = capturingLogger();
      await bootstrapAdmin({ store, logger, hash: cheapHash });
      const warned = lines.filter((l) => l.level === 'warn');
      expect(warned).toHaveLength(1);
      const password = warned[0]?.message.split(': ').pop() ?? '';
      expect(password.length).toBeGreaterThanOrEqual(20);
      const creds = await store.users.getCredentials('admin');
      expect(await verifyPassword(password, creds?.passwordHash ?? '')).toBe(true);
    });

    it('does nothing when a user exists', async () => {
      await user('alice');
      const { logger, lines } = capturingLogger();
      expect(await bootstrapAdmin({ store, logger, hash: cheapHash })).toBeUndefined();
      expect(await store.users.count()).toBe(1);
      expect(lines).toEqual([]);
    });
  });

  describe('SessionService', () => {
    it('stores only the hash of the session id and validates the id', async () => {
      const alice = await user();
      const sessions = new SessionService({ store, now });
      const { sessionId, session } = await sessions.create(alice.id, { ip: '192.0.2.1', userAgent: 'test' });
      expect(session.idHash).toBe(hashSecret(sessionId));
      expect(session.idHash).not.toContain(sessionId);
      expect((await sessions.validate(sessionId))?.user.username).toBe('alice');
      expect(await sessions.validate(`${sessionId}x`)).toBeUndefined();
      expect(await sessions.validate('')).toBeUndefined();
    });

    it('expires after the idle timeout, and use extends it', async () => {
      const alice = await user();
      const sessions = new SessionService({ store, now, idleTimeoutMs: 1000, touchIntervalMs: 0 });
      const { sessionId } = await sessions.create(alice.id);
      t += 900;
      expect(await sessions.validate(sessionId)).toBeDefined();
      t += 900;
      expect(await sessions.validate(sessionId)).toBeDefined();
      t += 1000;
      expect(await sessions.validate(sessionId)).toBeUndefined();
      expect(await store.sessions.get(hashSecret(sessionId))).toBeUndefined();
    });

    it('expires at the absolute timeout however it is used', async () => {
      const alice = await user();
      const sessions = new SessionService({
        store,
        now,
        idleTimeoutMs: 1000,
        absoluteTimeoutMs: 2500,
        touchIntervalMs: 0,
      });
      const { sessionId } = await sessions.create(alice.id);
      for (let i = 0; i < 4; i++) {
        t += 600;
        expect(await sessions.validate(sessionId)).toBeDefined();
      }
      t += 600;
      expect(await sessions.validate(sessionId)).toBeUndefined();
    });

    it('refuses a deactivated user at once', async () => {
      const alice = await user();
      const sessions = new SessionService({ store, now });
      const { sessionId } = await sessions.create(alice.id);
      await store.users.update(alice.id, { isActive: false });
      expect(await sessions.validate(sessionId)).toBeUndefined();
    });

    it('revokes one session, or all of a user but one', async () => {
      const alice = await user();
      const sessions = new SessionService({ store, now });
      const a = await sessions.create(alice.id);
      const b = await sessions.create(alice.id);
      const c = await sessions.create(alice.id);
      expect(await sessions.revoke(a.sessionId)).toBe(true);
      expect(await sessions.validate(a.sessionId)).toBeUndefined();
      expect(await sessions.revokeAllForUser(alice.id, b.sessionId)).toBe(1);
      expect(await sessions.validate(b.sessionId)).toBeDefined();
      expect(await sessions.validate(c.sessionId)).toBeUndefined();
    });
  });

  describe('TokenService', () => {
    it('shows the token once, stores its hash and authenticates it', async () => {
      const alice = await user();
      const tokens = new TokenService({ store, now });
      const { token, apiToken } = await tokens.create(alice.id, { name: 'ci' });
      expect(token).toMatch(/^halite_[\w-]{43}$/);
      expect(apiToken.prefix).toBe(token.slice(0, 13));
      expect(JSON.stringify(await tokens.list(alice.id))).not.toContain(token);
      expect((await store.tokens.getByHash(hashSecret(token)))?.token.id).toBe(apiToken.id);
      expect((await tokens.authenticate(token))?.user.username).toBe('alice');
      expect((await store.tokens.get(apiToken.id))?.lastUsedAt).toBe(new Date(t).toISOString());
      expect(await tokens.authenticate(`${token}x`)).toBeUndefined();
      expect(await tokens.authenticate('not-a-token')).toBeUndefined();
    });

    it('stops a revoked token, an expired token and the token of a deactivated user', async () => {
      const alice = await user();
      const tokens = new TokenService({ store, now });
      const revoked = await tokens.create(alice.id, { name: 'a' });
      const expiring = await tokens.create(alice.id, { name: 'b', expiresAt: new Date(t + 1000) });
      const plain = await tokens.create(alice.id, { name: 'c' });
      await tokens.revoke(alice.id, revoked.apiToken.id);
      expect(await tokens.authenticate(revoked.token)).toBeUndefined();
      expect(await tokens.authenticate(expiring.token)).toBeDefined();
      t += 1000;
      expect(await tokens.authenticate(expiring.token)).toBeUndefined();
      await store.users.update(alice.id, { isActive: false });
      expect(await tokens.authenticate(plain.token)).toBeUndefined();
    });

    it("refuses to revoke another user's token", async () => {
      const alice = await user('alice');
      const bob = await user('bob');
      const tokens = new TokenService({ store, now });
      const { apiToken } = await tokens.create(alice.id, { name: 'ci' });
      await expect(tokens.revoke(bob.id, apiToken.id)).rejects.toMatchObject({ code: 'not_found' });
      expect((await store.tokens.get(apiToken.id))?.revokedAt).toBeNull();
    });
  });

  describe('AuditService', () => {
    it('redacts secrets at any depth before storing and lists with filters', async () => {
      const audit = new AuditService({ store, now });
      await audit.record({
        action: 'settings.salt.update',
        resource: 'settings:salt',
        args: { url: 'https://salt', password: 'hunter2', nested: [{ token: 'x' }] },
        decision: 'allow',
        resultCode: 200,
      });
      await audit.record({ action: 'auth.login', resource: 'user:bob', decision: 'deny', resultCode: 401 });
      const all = await audit.list();
      expect(all.total).toBe(2);
      expect(JSON.stringify(all.items)).not.toContain('hunter2');
      expect(all.items.find((e) => e.action === 'settings.salt.update')?.args).toEqual({
        url: 'https://salt',
        password: '[REDACTED]',
        nested: [{ token: '[REDACTED]' }],
      });
      const denied = await audit.list({ decision: 'deny' });
      expect(denied.items.map((e) => e.action)).toEqual(['auth.login']);
      expect(denied.items[0]?.at).toBe(new Date(t).toISOString());
    });
  });
});
