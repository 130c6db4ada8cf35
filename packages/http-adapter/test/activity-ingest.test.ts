import {
  EventHub,
  type NormalizedEvent,
  normalizeSaltEvent,
  persistActivity,
  type Store,
} from '@halite/core';
import { createSqliteStore } from '@halite/store-sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const JID = '20260101000000000001';
const norm = (tag: string, data: Record<string, unknown>): NormalizedEvent => {
  const r = normalizeSaltEvent({ tag, data: { _stamp: '2026-01-01T00:00:01.000000+00:00', ...data } });
  if (!r.kept) throw new Error(`dropped ${tag}`);
  return r.event;
};

// persistActivity against a real SQLite store (core's own tests cannot load an adapter).
describe('persistActivity', () => {
  let store: Store;
  beforeEach(async () => {
    store = await createSqliteStore({ filename: ':memory:' });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
  });

  it('persists events, the job index, returns and key state in one go, then publishes with ids', async () => {
    await store.minions.reconcile({ insert: [{ minionId: 'p1', keyStatus: 'pending' }] });
    const hub = new EventHub<{ id: number }>();
    const seen: number[] = [];
    const sub = hub.subscribe();
    const reading = (async () => {
      for await (const m of sub) {
        if (m.type === 'event') seen.push(m.event.id);
        if (seen.length === 3) break;
      }
    })();
    const stored = await persistActivity(store, hub as never, [
      norm(`salt/job/${JID}/new`, { fun: 'test.ping', tgt: '*', user: 'ops', minions: ['m1'] }),
      norm(`salt/job/${JID}/ret/m1`, { id: 'm1', fun: 'test.ping', retcode: 0, return: true }),
      norm('salt/key', { act: 'accepted', id: 'p1', result: true }),
    ]);
    await reading;
    expect(seen).toEqual(stored.map((e) => e.id));
    expect(stored.map((e) => e.eventType)).toEqual(['job.new', 'job.ret', 'key.accept']);
    expect(await store.jobs.get(JID)).toMatchObject({
      function: 'test.ping',
      user: 'ops',
      returnedCount: 1,
      successCount: 1,
    });
    expect((await store.minions.get('p1'))?.keyStatus).toBe('accepted');
  });

  it('writes nothing when the batch fails, so nothing is published', async () => {
    const hub = new EventHub<{ id: number }>();
    const bad = {
      ...norm('salt/minion/m1/start', { id: 'm1' }),
      summary: 'x'.repeat(10_000),
      category: 'minion' as const,
    };
    await expect(
      persistActivity(store, hub as never, [
        norm(`salt/job/${JID}/new`, { fun: 'test.ping', minions: [] }),
        { ...bad, event_type: 'minion.start', occurred_at: 'not a time' },
      ]),
    ).rejects.toThrow();
    expect((await store.activity.list()).total).toBe(0);
    expect(await store.jobs.get(JID)).toBeUndefined();
    expect(hub.recent()).toEqual([]);
  });
});
