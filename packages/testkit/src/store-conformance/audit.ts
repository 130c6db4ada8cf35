import { describe, expect, it } from 'vitest';
import { expectStoreError, type Harness } from './harness.js';

export function auditSuite(h: Harness): void {
  describe('audit', () => {
    it('appends entries and reads them back exactly, newest first', async () => {
      const { store, clock } = await h.store();
      const first = await store.audit.append({
        userId: 'u1',
        username: 'alice',
        action: 'salt.run',
        resource: 'salt:test.ping',
        args: { fun: 'test.ping', tgt: '*', password: '[REDACTED]' },
        saltJid: '20250101000000000000',
        decision: 'allow',
        resultCode: 202,
        durationMs: 41,
        clientAddress: '2001:db8::17',
      });
      expect(first).toEqual({
        id: first.id,
        at: clock.iso(),
        userId: 'u1',
        username: 'alice',
        action: 'salt.run',
        resource: 'salt:test.ping',
        args: { fun: 'test.ping', tgt: '*', password: '[REDACTED]' },
        saltJid: '20250101000000000000',
        decision: 'allow',
        resultCode: 202,
        durationMs: 41,
        clientAddress: '2001:db8::17',
      });
      clock.advance(1000);
      const second = await store.audit.append({
        action: 'auth.login',
        resource: 'user:mallory',
        decision: 'deny',
        resultCode: 401,
      });
      expect(second).toMatchObject({
        userId: null,
        username: null,
        args: null,
        saltJid: null,
        durationMs: 0,
        clientAddress: null,
      });
      expect(second.id).toBeGreaterThan(first.id);
      const page = await store.audit.list();
      expect(page).toEqual({ total: 2, items: [second, first] });
    });

    it('filters by user, action, decision and time, with paging', async () => {
      const { store } = await h.store();
      const rows = [
        ['u1', 'key.accept', 'allow', '2025-01-01T00:00:01Z'],
        ['u2', 'key.accept', 'deny', '2025-01-01T00:00:02Z'],
        ['u1', 'salt.run', 'allow', '2025-01-01T00:00:03Z'],
        ['u1', 'key.delete', 'deny', '2025-01-01T00:00:04Z'],
      ] as const;
      for (const [userId, action, decision, at] of rows) {
        await store.audit.append({
          userId,
          action,
          resource: 'r',
          decision,
          resultCode: decision === 'allow' ? 204 : 403,
          at,
          clientAddress: userId === 'u1' ? '192.0.2.1' : '198.51.100.2',
        });
      }
      const actions = async (q: Parameters<typeof store.audit.list>[0]) =>
        (await store.audit.list(q)).items.map((e) => `${e.userId}:${e.action}`);
      expect(await actions({ userId: 'u1' })).toEqual(['u1:key.delete', 'u1:salt.run', 'u1:key.accept']);
      expect(await actions({ action: 'key.accept' })).toEqual(['u2:key.accept', 'u1:key.accept']);
      expect(await actions({ decision: 'deny' })).toEqual(['u1:key.delete', 'u2:key.accept']);
      expect(await actions({ since: '2025-01-01T00:00:02Z', until: '2025-01-01T00:00:04Z' })).toEqual([
        'u1:salt.run',
        'u2:key.accept',
      ]);
      expect(await actions({ clientAddress: '198.51.100.2' })).toEqual(['u2:key.accept']);
      expect(await actions({ clientAddress: '192.0.2', decision: 'deny' })).toEqual([]);
      expect(await actions({ clientAddress: '192.0.2.1', decision: 'deny' })).toEqual(['u1:key.delete']);
      const page = await store.audit.list({ limit: 1, offset: 3 });
      expect(page.total).toBe(4);
      expect(page.items.map((e) => e.action)).toEqual(['key.accept']);
      await expectStoreError(store.audit.list({ decision: 'maybe' as never }), 'invalid_input');
    });

    it('deletes old entries in bounded batches and refuses bad entries', async () => {
      const { store } = await h.store();
      for (let i = 0; i < 7; i++) {
        await store.audit.append({
          action: 'a',
          resource: 'r',
          decision: 'allow',
          resultCode: 200,
          at: `2024-01-0${i + 1}T00:00:00Z`,
        });
      }
      await store.audit.append({
        action: 'a',
        resource: 'r',
        decision: 'allow',
        resultCode: 200,
        at: '2025-01-01T00:00:00Z',
      });
      expect(await store.audit.deleteOlderThan('2024-06-01T00:00:00Z', { batchSize: 3 })).toBe(7);
      expect((await store.audit.list()).total).toBe(1);
      await expectStoreError(
        store.audit.append({ action: 'a'.repeat(129), resource: 'r', decision: 'allow', resultCode: 200 }),
        'invalid_input',
      );
      await expectStoreError(
        store.audit.append({ action: 'a', resource: 'r', decision: 'allow', resultCode: '200' as never }),
        'invalid_input',
      );
      await expectStoreError(
        store.audit.append({
          action: 'a',
          resource: 'r',
          decision: 'allow',
          resultCode: 200,
          clientAddress: '1'.repeat(65),
        }),
        'invalid_input',
      );
      expect((await store.audit.list()).total).toBe(1);
    });
  });
}
