import { describe, expect, it } from 'vitest';
import { expectStoreError, type Harness } from './harness.js';

export function roleSuite(h: Harness): void {
  describe('roles', () => {
    it('creates a role with permissions and reads it by id and by name', async () => {
      const { store, clock } = await h.store();
      const role = await store.roles.create({
        id: 'r-op',
        name: 'operator',
        description: 'Run commands and manage keys',
        isBuiltin: true,
        permissions: [
          { id: 'p2', verb: 'view', resourceGlob: '*' },
          { id: 'p1', verb: 'execute', resourceGlob: 'salt:*' },
        ],
      });
      expect(role).toEqual({
        id: 'r-op',
        name: 'operator',
        description: 'Run commands and manage keys',
        isBuiltin: true,
        createdAt: clock.iso(),
        permissions: [
          { id: 'p1', roleId: 'r-op', verb: 'execute', resourceGlob: 'salt:*' },
          { id: 'p2', roleId: 'r-op', verb: 'view', resourceGlob: '*' },
        ],
      });
      expect(await store.roles.get('r-op')).toEqual(role);
      expect(await store.roles.getByName('operator')).toEqual(role);
      expect(await store.roles.getByName('Operator')).toBeUndefined();
      await expectStoreError(store.roles.create({ name: 'operator' }), 'unique_violation');
      await expectStoreError(
        store.roles.create({
          name: 'dup',
          permissions: [
            { verb: 'a', resourceGlob: 'b' },
            { verb: 'a', resourceGlob: 'b' },
          ],
        }),
        'unique_violation',
      );
      expect(await store.roles.getByName('dup')).toBeUndefined();
    });

    it('lists, updates and deletes roles', async () => {
      const { store } = await h.store();
      for (const name of ['viewer', 'admin', 'operator']) await store.roles.create({ id: `r-${name}`, name });
      const page = await store.roles.list({ limit: 2 });
      expect(page.total).toBe(3);
      expect(page.items.map((r) => r.name)).toEqual(['admin', 'operator']);
      expect(await store.roles.update('r-viewer', { description: 'Read only' })).toMatchObject({
        name: 'viewer',
        description: 'Read only',
      });
      await expectStoreError(store.roles.update('nope', { description: 'x' }), 'not_found');
      await expectStoreError(store.roles.update('r-viewer', { name: 'admin' }), 'unique_violation');
      expect(await store.roles.delete('r-viewer')).toBe(true);
      expect(await store.roles.delete('r-viewer')).toBe(false);
      expect((await store.roles.list()).total).toBe(2);
    });

    it('adds and removes permissions', async () => {
      const { store } = await h.store();
      await store.roles.create({ id: 'r1', name: 'custom' });
      const permission = await store.roles.addPermission('r1', { verb: 'kill', resourceGlob: 'job:*' });
      expect(permission).toEqual({ id: permission.id, roleId: 'r1', verb: 'kill', resourceGlob: 'job:*' });
      await expectStoreError(
        store.roles.addPermission('r1', { verb: 'kill', resourceGlob: 'job:*' }),
        'unique_violation',
      );
      await expectStoreError(
        store.roles.addPermission('nope', { verb: 'kill', resourceGlob: 'job:*' }),
        'not_found',
      );
      await expectStoreError(
        store.roles.addPermission('r1', { verb: '', resourceGlob: 'job:*' }),
        'invalid_input',
      );
      expect(await store.roles.removePermission('other', permission.id)).toBe(false);
      expect(await store.roles.removePermission('r1', permission.id)).toBe(true);
      expect((await store.roles.get('r1'))?.permissions).toEqual([]);
    });

    it("assigns roles and gathers a user's permissions across them", async () => {
      const { store } = await h.store();
      await store.users.create({ id: 'u1', username: 'alice', passwordHash: 'h' });
      await store.roles.create({
        id: 'r1',
        name: 'viewer',
        permissions: [
          { verb: 'view', resourceGlob: 'minion:*' },
          { verb: 'view', resourceGlob: 'job:*' },
        ],
      });
      await store.roles.create({
        id: 'r2',
        name: 'killer',
        permissions: [
          { verb: 'view', resourceGlob: 'job:*' },
          { verb: 'kill', resourceGlob: 'job:*' },
        ],
      });
      await store.roles.create({ id: 'r3', name: 'unused', permissions: [{ verb: '*', resourceGlob: '*' }] });
      expect(await store.roles.assign('u1', 'r2')).toBe(true);
      expect(await store.roles.assign('u1', 'r1')).toBe(true);
      expect(await store.roles.assign('u1', 'r1')).toBe(false);
      await expectStoreError(store.roles.assign('ghost', 'r1'), 'foreign_key_violation');
      await expectStoreError(store.roles.assign('u1', 'ghost'), 'foreign_key_violation');
      expect((await store.roles.rolesOf('u1')).map((r) => r.name)).toEqual(['killer', 'viewer']);
      expect(await store.roles.permissionsOf('u1')).toEqual([
        { verb: 'kill', resourceGlob: 'job:*' },
        { verb: 'view', resourceGlob: 'job:*' },
        { verb: 'view', resourceGlob: 'minion:*' },
      ]);
      expect(await store.roles.unassign('u1', 'r2')).toBe(true);
      expect(await store.roles.unassign('u1', 'r2')).toBe(false);
      expect(await store.roles.delete('r1')).toBe(true);
      expect(await store.roles.rolesOf('u1')).toEqual([]);
      expect(await store.roles.permissionsOf('u1')).toEqual([]);
    });
  });
}
