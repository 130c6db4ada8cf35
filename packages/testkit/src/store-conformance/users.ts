import { describe, expect, it } from 'vitest';
import { expectStoreError, type Harness } from './harness.js';

export function userSuite(h: Harness): void {
  describe('users', () => {
    it('creates users and finds them by id and by username in any case', async () => {
      const { store, clock } = await h.store();
      const alice = await store.users.create({
        id: 'u-alice',
        username: 'Alice',
        passwordHash: 'scrypt$abc',
        displayName: 'Alice Ä.',
        email: 'Alice@Example.com',
      });
      expect(alice).toEqual({
        id: 'u-alice',
        username: 'Alice',
        displayName: 'Alice Ä.',
        email: 'Alice@Example.com',
        isActive: true,
        isBuiltin: false,
        mustChangePassword: false,
        createdAt: clock.iso(),
        updatedAt: clock.iso(),
        lastLoginAt: null,
      });
      expect(await store.users.get('u-alice')).toEqual(alice);
      expect(await store.users.getByUsername('aLiCe')).toEqual(alice);
      expect(await store.users.getCredentials('ALICE')).toEqual({ user: alice, passwordHash: 'scrypt$abc' });
      expect(await store.users.getByUsername('bob')).toBeUndefined();
      expect(await store.users.getCredentials('bob')).toBeUndefined();
      const generated = await store.users.create({
        username: 'bob',
        passwordHash: 'h',
        isBuiltin: true,
        mustChangePassword: true,
      });
      expect(generated.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(generated).toMatchObject({
        isBuiltin: true,
        mustChangePassword: true,
        displayName: '',
        email: null,
      });
      await expectStoreError(
        store.users.create({ username: 'ALICE', passwordHash: 'h' }),
        'unique_violation',
      );
      await expectStoreError(
        store.users.create({ id: 'u-alice', username: 'carol', passwordHash: 'h' }),
        'unique_violation',
      );
      expect(await store.users.count()).toBe(2);
    });

    it('lists users by username with search, active filter and paging', async () => {
      const { store } = await h.store();
      for (const [name, active] of [
        ['carol', true],
        ['Bob', false],
        ['alice', true],
        ['dave', true],
      ] as const) {
        await store.users.create({
          username: name,
          passwordHash: 'h',
          isActive: active,
          email: `${name}@corp.test`,
        });
      }
      const names = async (q: Parameters<typeof store.users.list>[0]) =>
        (await store.users.list(q)).items.map((u) => u.username);
      expect(await names({})).toEqual(['alice', 'Bob', 'carol', 'dave']);
      expect(await names({ isActive: false })).toEqual(['Bob']);
      expect(await names({ search: 'A' })).toEqual(['alice', 'carol', 'dave']);
      const page = await store.users.list({ limit: 2, offset: 2 });
      expect(page).toMatchObject({ total: 4 });
      expect(page.items.map((u) => u.username)).toEqual(['carol', 'dave']);
    });

    it('updates users, refusing unknown ids and taken usernames', async () => {
      const { store, clock } = await h.store();
      await store.users.create({ id: 'u1', username: 'alice', passwordHash: 'old' });
      await store.users.create({ id: 'u2', username: 'bob', passwordHash: 'h' });
      const later = clock.advance(1000);
      const updated = await store.users.update('u1', {
        username: 'Alicia',
        passwordHash: 'new',
        displayName: 'A',
        email: null,
        isActive: false,
        mustChangePassword: true,
      });
      expect(updated).toMatchObject({
        username: 'Alicia',
        displayName: 'A',
        email: null,
        isActive: false,
        mustChangePassword: true,
        updatedAt: later,
      });
      expect((await store.users.getCredentials('alicia'))?.passwordHash).toBe('new');
      await expectStoreError(store.users.update('nope', { displayName: 'x' }), 'not_found');
      await expectStoreError(store.users.update('u2', { username: 'ALICIA' }), 'unique_violation');
      await store.users.recordLogin('u2', '2025-05-05T05:05:05Z');
      expect((await store.users.get('u2'))?.lastLoginAt).toBe('2025-05-05T05:05:05.000Z');
      await expectStoreError(store.users.recordLogin('nope', '2025-05-05T05:05:05Z'), 'not_found');
      await expectStoreError(store.users.update('u1', { username: 'x'.repeat(256) }), 'invalid_input');
    });

    it('deletes a user with its sessions, tokens and role assignments', async () => {
      const { store } = await h.store();
      await store.users.create({ id: 'u1', username: 'alice', passwordHash: 'h' });
      await store.sessions.create({ idHash: 's1', userId: 'u1', expiresAt: '2030-01-01T00:00:00Z' });
      await store.tokens.create({ id: 't1', userId: 'u1', name: 'ci', tokenHash: 'th1' });
      await store.roles.create({ id: 'r1', name: 'viewer' });
      await store.roles.assign('u1', 'r1');
      expect(await store.users.delete('u1')).toBe(true);
      expect(await store.users.delete('u1')).toBe(false);
      expect(await store.sessions.get('s1')).toBeUndefined();
      expect(await store.tokens.get('t1')).toBeUndefined();
      expect(await store.roles.rolesOf('u1')).toEqual([]);
      expect((await store.roles.get('r1'))?.name).toBe('viewer');
    });
  });

  describe('sessions', () => {
    it('creates, reads, touches and deletes sessions', async () => {
      const { store, clock } = await h.store();
      await store.users.create({ id: 'u1', username: 'alice', passwordHash: 'h' });
      const session = await store.sessions.create({
        idHash: 'sha256-one',
        userId: 'u1',
        expiresAt: '2025-06-01T20:00:00Z',
        userAgent: 'Mozilla/5.0 (X11; Linux) – ünï',
        ip: '203.0.113.9',
      });
      expect(session).toEqual({
        idHash: 'sha256-one',
        userId: 'u1',
        createdAt: clock.iso(),
        expiresAt: '2025-06-01T20:00:00.000Z',
        lastSeenAt: clock.iso(),
        userAgent: 'Mozilla/5.0 (X11; Linux) – ünï',
        ip: '203.0.113.9',
      });
      expect(await store.sessions.get('sha256-one')).toEqual(session);
      const withUser = await store.sessions.getWithUser('sha256-one');
      expect(withUser?.session).toEqual(session);
      expect(withUser?.user).toEqual(await store.users.get('u1'));
      expect(await store.sessions.getWithUser('nope')).toBeUndefined();
      await store.sessions.touch('sha256-one', {
        lastSeenAt: '2025-06-01T13:00:00Z',
        expiresAt: '2025-06-01T21:00:00Z',
      });
      expect(await store.sessions.get('sha256-one')).toMatchObject({
        lastSeenAt: '2025-06-01T13:00:00.000Z',
        expiresAt: '2025-06-01T21:00:00.000Z',
      });
      await expectStoreError(
        store.sessions.touch('nope', { lastSeenAt: '2025-06-01T13:00:00Z' }),
        'not_found',
      );
      await expectStoreError(
        store.sessions.create({ idHash: 'x', userId: 'ghost', expiresAt: '2025-06-01T20:00:00Z' }),
        'foreign_key_violation',
      );
      await expectStoreError(
        store.sessions.create({ idHash: 'sha256-one', userId: 'u1', expiresAt: '2025-06-01T20:00:00Z' }),
        'unique_violation',
      );
      await expectStoreError(
        store.sessions.create({
          idHash: 'y',
          userId: 'u1',
          expiresAt: '2025-06-01T20:00:00Z',
          userAgent: 'u'.repeat(513),
        }),
        'invalid_input',
      );
      expect(await store.sessions.delete('sha256-one')).toBe(true);
      expect(await store.sessions.delete('sha256-one')).toBe(false);
    });

    it("ends a user's other sessions and sweeps expired ones in batches", async () => {
      const { store } = await h.store();
      await store.users.create({ id: 'u1', username: 'alice', passwordHash: 'h' });
      await store.users.create({ id: 'u2', username: 'bob', passwordHash: 'h' });
      for (let i = 0; i < 5; i++) {
        await store.sessions.create({
          idHash: `a${i}`,
          userId: 'u1',
          createdAt: `2025-01-0${i + 1}T00:00:00Z`,
          expiresAt: `2025-02-0${i + 1}T00:00:00Z`,
        });
      }
      await store.sessions.create({ idHash: 'b0', userId: 'u2', expiresAt: '2025-01-15T00:00:00Z' });
      expect((await store.sessions.listForUser('u1')).map((s) => s.idHash)).toEqual([
        'a4',
        'a3',
        'a2',
        'a1',
        'a0',
      ]);
      expect(await store.sessions.deleteForUser('u1', { except: 'a4' })).toBe(4);
      expect((await store.sessions.listForUser('u1')).map((s) => s.idHash)).toEqual(['a4']);
      expect(await store.sessions.deleteExpired('2025-03-01T00:00:00Z', { batchSize: 1 })).toBe(2);
      expect(await store.sessions.get('a4')).toBeUndefined();
    });
  });

  describe('api tokens', () => {
    it('creates, finds by hash, lists, touches, revokes and deletes tokens', async () => {
      const { store, clock } = await h.store();
      const user = await store.users.create({ id: 'u1', username: 'alice', passwordHash: 'h' });
      const token = await store.tokens.create({
        id: 't1',
        userId: 'u1',
        name: 'ci',
        tokenHash: 'hash-1',
        prefix: 'hal_ab12',
        scopes: ['view:minion:*', 'execute:salt:test.*'],
        expiresAt: '2026-01-01T00:00:00Z',
      });
      expect(token).toEqual({
        id: 't1',
        userId: 'u1',
        name: 'ci',
        prefix: 'hal_ab12',
        scopes: ['view:minion:*', 'execute:salt:test.*'],
        createdAt: clock.iso(),
        expiresAt: '2026-01-01T00:00:00.000Z',
        lastUsedAt: null,
        revokedAt: null,
      });
      expect(await store.tokens.getByHash('hash-1')).toEqual({ token, user });
      expect(await store.tokens.getByHash('nope')).toBeUndefined();
      const second = await store.tokens.create({
        userId: 'u1',
        name: 'cron',
        tokenHash: 'hash-2',
        createdAt: '2030-01-01T00:00:00Z',
      });
      expect(second.scopes).toBeNull();
      const list = await store.tokens.listForUser('u1');
      expect(list.total).toBe(2);
      expect(list.items.map((t) => t.name)).toEqual(['cron', 'ci']);
      await expectStoreError(
        store.tokens.create({ userId: 'u1', name: 'ci', tokenHash: 'hash-3' }),
        'unique_violation',
      );
      await expectStoreError(
        store.tokens.create({ userId: 'u1', name: 'other', tokenHash: 'hash-1' }),
        'unique_violation',
      );
      await expectStoreError(
        store.tokens.create({ userId: 'ghost', name: 'x', tokenHash: 'hash-9' }),
        'foreign_key_violation',
      );
      await store.tokens.touch('t1', '2025-06-02T00:00:00Z');
      await expectStoreError(store.tokens.touch('nope', '2025-06-02T00:00:00Z'), 'not_found');
      expect(await store.tokens.revoke('t1', '2025-06-03T00:00:00Z')).toBe(true);
      expect(await store.tokens.revoke('t1', '2025-06-04T00:00:00Z')).toBe(false);
      expect(await store.tokens.get('t1')).toMatchObject({
        lastUsedAt: '2025-06-02T00:00:00.000Z',
        revokedAt: '2025-06-03T00:00:00.000Z',
      });
      expect(await store.tokens.delete('t1')).toBe(true);
      expect(await store.tokens.delete('t1')).toBe(false);
    });
  });
}
