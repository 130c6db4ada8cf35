import { HaliteError, type MinionInsert, StoreError } from '@halite/core';
import { describe, expect, it } from 'vitest';
import { expectStoreError, type Harness, pad } from './harness.js';

const LATEST = ['0001_initial_schema', '0002_audit_client_address', '0003_job_initiator'];

export function lifecycleSuite(h: Harness): void {
  describe('migrations', () => {
    it('migrates a fresh database and reports every migration applied', async () => {
      const { store } = await h.store();
      expect(await store.schemaStatus()).toEqual({ applied: LATEST, pending: [], unknown: [] });
    });

    it('runs migrate() again as a no-op that keeps the data', async () => {
      const { store } = await h.store();
      await store.minions.reconcile({ insert: [{ minionId: 'web-01', keyStatus: 'accepted' }] });
      expect(await store.migrate()).toEqual({ applied: LATEST, pending: [], unknown: [] });
      expect(await store.migrate()).toEqual({ applied: LATEST, pending: [], unknown: [] });
      expect((await store.minions.get('web-01'))?.minionId).toBe('web-01');
    });

    it('refuses a database migrated by a newer Halite with schema_too_new', async () => {
      const { store, fixture } = await h.store();
      await fixture.exec(
        `insert into halite_migrations (name, "timestamp") values ('9999_from_the_future', '2099-01-01T00:00:00.000Z')`,
      );
      expect(await store.schemaStatus()).toEqual({
        applied: LATEST,
        pending: [],
        unknown: ['9999_from_the_future'],
      });
      const error = await expectStoreError(store.migrate(), 'schema_too_new');
      expect(error.details).toEqual({ unknownMigrations: ['9999_from_the_future'] });
      if (fixture.openAnother) {
        await expectStoreError(h.another(fixture), 'schema_too_new');
      }
    });

    it('opens an already-migrated database without migrating again', async () => {
      const { fixture } = await h.store();
      if (!fixture.openAnother) return;
      await fixture.store.minions.reconcile({ insert: [{ minionId: 'kept', keyStatus: 'pending' }] });
      const second = await h.another(fixture);
      expect(await second.schemaStatus()).toEqual({ applied: LATEST, pending: [], unknown: [] });
      expect((await second.minions.get('kept'))?.keyStatus).toBe('pending');
    });
  });

  describe('ping and close', () => {
    it('answers ping, then fails every call with unavailable once closed', async () => {
      const { store } = await h.store();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await store.close();
      await expectStoreError(store.ping(), 'unavailable');
      await expectStoreError(store.minions.list(), 'unavailable');
      await expectStoreError(store.users.count(), 'unavailable');
      await expectStoreError(
        store.transaction(async () => 1),
        'unavailable',
      );
    });
  });

  describe('errors', () => {
    it('reports driver failures as StoreError with the driver error as cause', async () => {
      const { store } = await h.store();
      await store.users.create({ id: 'u1', username: 'alice', passwordHash: 'h' });
      const error = await expectStoreError(
        store.users.create({ id: 'u2', username: 'ALICE', passwordHash: 'h' }),
        'unique_violation',
      );
      expect(error).toBeInstanceOf(HaliteError);
      expect(error.name).toBe('StoreError');
      expect(error.cause).toBeInstanceOf(Error);
      expect(error.cause).not.toBeInstanceOf(StoreError);
    });
  });

  describe('transactions', () => {
    it('commits every write of the callback together', async () => {
      const { store } = await h.store();
      const result = await store.transaction(async (tx) => {
        const user = await tx.users.create({ id: 'u1', username: 'alice', passwordHash: 'h' });
        const role = await tx.roles.create({ id: 'r1', name: 'viewer' });
        await tx.roles.assign(user.id, role.id);
        return 'done';
      });
      expect(result).toBe('done');
      expect((await store.roles.rolesOf('u1')).map((r) => r.name)).toEqual(['viewer']);
    });

    it('rolls back everything and re-throws the callback error unchanged', async () => {
      const { store } = await h.store();
      class Boom extends Error {}
      const boom = new Boom('boom');
      const thrown = await store
        .transaction(async (tx) => {
          await tx.users.create({ id: 'u1', username: 'alice', passwordHash: 'h' });
          await tx.minions.reconcile({ insert: [{ minionId: 'm1', keyStatus: 'accepted' }] });
          await tx.transaction(async (inner) => {
            await inner.activity.insert([
              { occurredAt: '2025-01-01T00:00:00Z', category: 'job', eventType: 'job.new', summary: 's' },
            ]);
          });
          throw boom;
        })
        .catch((e: unknown) => e);
      expect(thrown).toBe(boom);
      expect(await store.users.count()).toBe(0);
      expect(await store.minions.count()).toBe(0);
      expect(await store.activity.latestId()).toBeNull();
    });

    it('runs two concurrent transactions on one store without losing or mixing writes', async () => {
      const { store } = await h.store();
      const writer = (prefix: string) =>
        store.transaction(async (tx) => {
          const inserts: MinionInsert[] = Array.from({ length: 300 }, (_, i) => ({
            minionId: `${prefix}-${pad(i)}`,
            keyStatus: 'accepted',
            os: prefix,
          }));
          await tx.minions.reconcile({ insert: inserts });
          const events = await tx.activity.insert(
            Array.from({ length: 50 }, (_, i) => ({
              occurredAt: '2025-01-01T00:00:00Z',
              category: 'job',
              eventType: 'job.new',
              summary: `${prefix}-${i}`,
            })),
          );
          return events.map((e) => e.id);
        });
      const [a, b] = await Promise.all([writer('a'), writer('b')]);
      expect(await store.minions.count()).toBe(600);
      expect(await store.minions.countBy('os')).toEqual([
        { value: 'a', count: 300 },
        { value: 'b', count: 300 },
      ]);
      const all = [...a, ...b];
      expect(new Set(all).size).toBe(100);
      expect(a).toEqual([...a].sort((x, y) => x - y));
      expect(b).toEqual([...b].sort((x, y) => x - y));
      const replay = await store.activity.after(0, { limit: 1000 });
      expect(replay.map((e) => e.id)).toEqual([...all].sort((x, y) => x - y));
    });

    it('lets two stores on one database write at once without corruption', async () => {
      const { fixture } = await h.store();
      if (!fixture.openAnother) return;
      const first = fixture.store;
      const second = await h.another(fixture, { migrate: false });
      const rows = (tag: string) =>
        Array.from({ length: 2000 }, (_, i) => ({
          minionId: `m-${pad(i)}`,
          keyStatus: 'accepted' as const,
          os: tag,
        }));
      const results = await Promise.all([
        first.minions.reconcile({ insert: rows('first') }),
        second.minions.reconcile({ insert: rows('second') }),
        first.activity.insert([
          { occurredAt: '2025-01-01T00:00:00Z', category: 'key', eventType: 'key.accept', summary: '1' },
        ]),
        second.activity.insert([
          { occurredAt: '2025-01-01T00:00:00Z', category: 'key', eventType: 'key.accept', summary: '2' },
        ]),
      ]);
      // Both reconciles committed, one after the other: every row holds one writer's value.
      expect(results[0]).toMatchObject({ deleted: 0 });
      expect(results[1]).toMatchObject({ deleted: 0 });
      expect(await first.minions.count()).toBe(2000);
      const byOs = await second.minions.countBy('os');
      expect(byOs).toHaveLength(1);
      expect(byOs[0]?.count).toBe(2000);
      const events = await first.activity.after(0);
      expect(events.map((e) => e.summary).sort()).toEqual(['1', '2']);
    });
  });
}
