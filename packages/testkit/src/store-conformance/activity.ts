import type { ActivityEventInput } from '@halite/core';
import { describe, expect, it } from 'vitest';
import { expectStoreError, type Harness } from './harness.js';

const event = (summary: string, extra: Partial<ActivityEventInput> = {}): ActivityEventInput => ({
  occurredAt: '2025-01-01T00:00:00Z',
  category: 'job',
  eventType: 'job.ret',
  summary,
  ...extra,
});

export function activitySuite(h: Harness): void {
  describe('activity', () => {
    it('inserts events with ascending ids in input order and reads them back exactly', async () => {
      const { store } = await h.store();
      const inserted = await store.activity.insert([
        event('first', {
          occurredAt: '2025-01-01T01:00:00+01:00',
          minionId: 'web-01',
          jid: '20250101000000000000',
          fun: 'state.apply',
          success: true,
          changed: false,
          initiator: 'alice',
          target: 'web*',
          durationMs: 1234,
          payload: { tag: 'salt/job/20250101000000000000/ret/web-01', data: { retcode: 0, ünï: '🚀' } },
        }),
        event('second', { category: 'key', eventType: 'key.accept' }),
      ]);
      const [a, b] = inserted;
      expect(a?.id).toBeGreaterThan(0);
      expect(b?.id).toBeGreaterThan(a?.id ?? Number.POSITIVE_INFINITY);
      const expected = {
        id: a?.id,
        occurredAt: '2025-01-01T00:00:00.000Z',
        category: 'job',
        eventType: 'job.ret',
        minionId: 'web-01',
        jid: '20250101000000000000',
        fun: 'state.apply',
        success: true,
        changed: false,
        initiator: 'alice',
        target: 'web*',
        durationMs: 1234,
        summary: 'first',
        payload: { tag: 'salt/job/20250101000000000000/ret/web-01', data: { retcode: 0, ünï: '🚀' } },
        payloadTruncated: false,
      };
      expect(a).toEqual(expected);
      const page = await store.activity.list();
      expect(page.total).toBe(2);
      expect(page.items[1]).toEqual(expected);
      expect(page.items[0]).toMatchObject({
        id: b?.id,
        summary: 'second',
        minionId: null,
        success: null,
        payload: null,
      });
      expect(await store.activity.insert([])).toEqual([]);
    });

    it('never reuses an id, even after every event is deleted', async () => {
      const { store } = await h.store();
      const first = await store.activity.insert([event('a'), event('b'), event('c')]);
      expect(await store.activity.latestId()).toBe(first[2]?.id);
      expect(await store.activity.deleteOlderThan('2030-01-01T00:00:00Z')).toBe(3);
      expect(await store.activity.latestId()).toBeNull();
      const [next] = await store.activity.insert([event('d')]);
      expect(next?.id).toBeGreaterThan(first[2]?.id ?? 0);
    });

    it('replays what a client after id N missed, oldest first', async () => {
      const { store } = await h.store();
      const events = await store.activity.insert(
        Array.from({ length: 10 }, (_, i) => event(`e${i}`, { category: i % 2 ? 'key' : 'job' })),
      );
      const ids = events.map((e) => e.id);
      expect((await store.activity.after(ids[6] as number)).map((e) => e.summary)).toEqual([
        'e7',
        'e8',
        'e9',
      ]);
      expect((await store.activity.after(0, { limit: 2 })).map((e) => e.id)).toEqual(ids.slice(0, 2));
      expect(
        (await store.activity.after(ids[2] as number, { categories: ['key'] })).map((e) => e.summary),
      ).toEqual(['e3', 'e5', 'e7', 'e9']);
      expect(await store.activity.after(ids[9] as number)).toEqual([]);
      expect(await store.activity.after(0, { categories: [] })).toEqual([]);
      await expectStoreError(store.activity.after(-1), 'invalid_input');
      await expectStoreError(store.activity.after(0, { limit: 1001 }), 'invalid_input');
    });

    it('lists newest first with every filter', async () => {
      const { store } = await h.store();
      await store.activity.insert([
        event('web-01 returned state.apply ✓', {
          minionId: 'web-01',
          success: true,
          changed: false,
          occurredAt: '2025-01-01T00:00:01Z',
        }),
        event('web-02 returned state.apply ✓', {
          minionId: 'web-02',
          success: true,
          changed: true,
          occurredAt: '2025-01-01T00:00:02Z',
        }),
        event('db-01 returned cmd.run ✗', {
          minionId: 'db-01',
          success: false,
          jid: 'j2',
          occurredAt: '2025-01-01T00:00:03Z',
        }),
        event('state.apply dispatched (3 minions)', {
          eventType: 'job.new',
          jid: 'j1',
          occurredAt: '2025-01-01T00:00:04Z',
        }),
        event('web-01 key accepted', {
          category: 'key',
          eventType: 'key.accept',
          minionId: 'web-01',
          occurredAt: '2025-01-01T00:00:05Z',
        }),
        event('100% done_now', {
          category: 'minion',
          eventType: 'minion.start',
          occurredAt: '2025-01-01T00:00:06Z',
        }),
      ]);
      const summaries = async (q: Parameters<typeof store.activity.list>[0]) =>
        (await store.activity.list(q)).items.map((e) => e.summary.split(' ')[0]);
      expect(await summaries({})).toEqual(['100%', 'web-01', 'state.apply', 'db-01', 'web-02', 'web-01']);
      expect(await summaries({ categories: ['key', 'minion'] })).toEqual(['100%', 'web-01']);
      expect(await summaries({ eventTypes: ['job.new'] })).toEqual(['state.apply']);
      expect(await summaries({ minionId: 'web-01' })).toEqual(['web-01', 'web-01']);
      expect(await summaries({ jid: 'j2' })).toEqual(['db-01']);
      expect(await summaries({ search: 'STATE.APPLY' })).toEqual(['state.apply', 'web-02', 'web-01']);
      expect(await summaries({ search: '%' })).toEqual(['100%']);
      expect(await summaries({ search: 'e_n' })).toEqual(['100%']);
      expect(await summaries({ hideRoutine: true })).toEqual([
        '100%',
        'web-01',
        'state.apply',
        'db-01',
        'web-02',
      ]);
      expect(await summaries({ hideDispatch: true, hideRoutine: true, categories: ['job'] })).toEqual([
        'db-01',
        'web-02',
      ]);
      expect(await summaries({ since: '2025-01-01T00:00:03Z', until: '2025-01-01T00:00:05Z' })).toEqual([
        'state.apply',
        'db-01',
      ]);
      const page = await store.activity.list({ limit: 4, offset: 4 });
      expect(page.total).toBe(6);
      expect(page.items.map((e) => e.summary.split(' ')[0])).toEqual(['web-02', 'web-01']);
    });

    it('hides routine returns only when they succeeded and changed nothing', async () => {
      const { store } = await h.store();
      await store.activity.insert([
        event('routine', { success: true }),
        event('routine-unchanged', { success: true, changed: false }),
        event('unknown-success', { success: null }),
        event('changed', { success: true, changed: true }),
        event('failed', { success: false }),
      ]);
      const shown = (await store.activity.list({ hideRoutine: true })).items.map((e) => e.summary);
      expect(shown).toEqual(['failed', 'changed', 'unknown-success']);
    });

    it('truncates a payload above the cap and flags it', async () => {
      const { store } = await h.store({ maxPayloadBytes: 200 });
      const payload = { tag: 'salt/job/x/ret/m', data: { return: 'x'.repeat(500) } };
      const [stored] = await store.activity.insert([event('big', { payload })]);
      expect(stored?.payloadTruncated).toBe(true);
      expect(JSON.stringify(payload).startsWith(stored?.payload as string)).toBe(true);
      const [read] = (await store.activity.list()).items;
      expect(read).toEqual(stored);
    });

    it('deletes old events in bounded batches', async () => {
      const { store } = await h.store();
      await store.activity.insert(
        Array.from({ length: 2500 }, (_, i) => event(`old ${i}`, { occurredAt: '2024-01-01T00:00:00Z' })),
      );
      await store.activity.insert([event('new', { occurredAt: '2025-01-01T00:00:00Z' })]);
      expect(
        await store.activity.deleteOlderThan('2024-06-01T00:00:00Z', { batchSize: 1000, maxBatches: 1 }),
      ).toBe(1000);
      expect(await store.activity.deleteOlderThan('2024-06-01T00:00:00Z', { batchSize: 1000 })).toBe(1500);
      expect((await store.activity.list()).items.map((e) => e.summary)).toEqual(['new']);
      await expectStoreError(
        store.activity.deleteOlderThan('2024-06-01T00:00:00Z', { batchSize: 0 }),
        'invalid_input',
      );
    });

    it('refuses bad events with invalid_input and writes none of the batch', async () => {
      const { store } = await h.store();
      for (const bad of [
        event('x', { category: '' }),
        event('s'.repeat(513)),
        event('x', { durationMs: -5 }),
        event('x', { success: 'yes' as never }),
        event('x', { occurredAt: '2025-02-30T00:00:00Z' }),
        { ...event('x'), summary: undefined } as never,
      ]) {
        await expectStoreError(store.activity.insert([event('ok'), bad]), 'invalid_input');
      }
      expect(await store.activity.latestId()).toBeNull();
    });
  });
}
