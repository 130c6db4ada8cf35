import type { JobInput } from '@halite/core';
import { describe, expect, it } from 'vitest';
import { expectStoreError, type Harness, pad } from './harness.js';

const job = (jid: string, extra: Partial<JobInput> = {}): JobInput => ({
  jid,
  function: 'test.ping',
  startTime: `${jid.slice(0, 4)}-${jid.slice(4, 6)}-${jid.slice(6, 8)}T${jid.slice(8, 10)}:${jid.slice(10, 12)}:${jid.slice(12, 14)}Z`,
  ...extra,
});

export function jobSuite(h: Harness): void {
  describe('jobs', () => {
    it('inserts jobs with defaults and reads them back exactly', async () => {
      const { store, clock } = await h.store();
      const result = await store.jobs.upsert([
        job('20250102030405123456', {
          function: 'state.apply',
          target: 'web*',
          targetType: 'glob',
          user: 'alice',
          arguments: ['nginx', { test: true, __kwarg__: true }],
          metadata: { ticket: 'OPS-1' },
          minionCount: 3,
        }),
        job('20250102030406000000'),
      ]);
      expect(result).toEqual({ inserted: 2, updated: 0 });
      expect(await store.jobs.get('20250102030405123456')).toEqual({
        jid: '20250102030405123456',
        function: 'state.apply',
        target: 'web*',
        targetType: 'glob',
        user: 'alice',
        initiator: null,
        startTime: '2025-01-02T03:04:05.000Z',
        endTime: null,
        status: 'running',
        minionCount: 3,
        returnedCount: 0,
        successCount: 0,
        failureCount: 0,
        hasReturns: false,
        arguments: ['nginx', { test: true, __kwarg__: true }],
        metadata: { ticket: 'OPS-1' },
        seenAt: clock.iso(),
        updatedAt: clock.iso(),
      });
      expect(await store.jobs.get('20250102030406000000')).toMatchObject({
        target: '',
        targetType: 'glob',
        user: '',
        arguments: null,
        metadata: null,
        minionCount: null,
      });
      expect(await store.jobs.get('nope')).toBeUndefined();
    });

    it('refreshes an existing jid, keeping what the new input leaves out', async () => {
      const { store, clock } = await h.store();
      await store.jobs.upsert([
        job('20250102030405000000', {
          target: 'db*',
          user: 'bob',
          arguments: [1],
          metadata: { a: 1 },
          minionCount: 2,
          endTime: '2025-01-02T03:05:00Z',
        }),
      ]);
      const later = clock.advance(5000);
      const result = await store.jobs.upsert([
        job('20250102030405000000', { function: 'cmd.run', status: 'finished' }),
      ]);
      expect(result).toEqual({ inserted: 0, updated: 1 });
      expect(await store.jobs.get('20250102030405000000')).toMatchObject({
        function: 'cmd.run',
        target: 'db*',
        user: 'bob',
        arguments: [1],
        metadata: { a: 1 },
        minionCount: 2,
        status: 'finished',
        endTime: '2025-01-02T03:05:00.000Z',
        seenAt: later,
      });
    });

    it('keeps the initiator through upserts that leave it out, and clears it on null', async () => {
      const { store } = await h.store();
      const jid = '20250102030405000000';
      const other = '20250102030406000000';
      // As a run through Halite records it: Salt's service account and the Halite user.
      await store.jobs.upsert([
        job(jid, { user: 'salt-svc', initiator: 'alice', minionCount: 2 }),
        job(other, { user: 'salt-svc', initiator: 'bob' }),
      ]);
      expect(await store.jobs.get(jid)).toMatchObject({ user: 'salt-svc', initiator: 'alice' });
      // As the poller or a job.new event writes it: Salt's user, no initiator.
      const result = await store.jobs.upsert([
        job(jid, { user: 'saltapi', target: '*', status: 'running' }),
        job('20250102030407000000', { user: 'root' }),
      ]);
      expect(result).toEqual({ inserted: 1, updated: 1 });
      expect(await store.jobs.get(jid)).toMatchObject({
        user: 'saltapi',
        initiator: 'alice',
        target: '*',
        minionCount: 2,
      });
      expect(await store.jobs.get('20250102030407000000')).toMatchObject({ user: 'root', initiator: null });
      // An explicit null clears it; another value replaces it.
      await store.jobs.upsert([job(jid, { initiator: null }), job(other, { initiator: 'carol' })]);
      expect(await store.jobs.get(jid)).toMatchObject({ user: 'saltapi', initiator: null });
      expect(await store.jobs.get(other)).toMatchObject({ user: 'salt-svc', initiator: 'carol' });
      const listed = await store.jobs.list({ order: 'asc' });
      expect(listed.items.map((j) => [j.jid, j.initiator])).toEqual([
        [jid, null],
        [other, 'carol'],
        ['20250102030407000000', null],
      ]);
      // Filtered by who ran them through Halite (and counted per hour the same way).
      await store.jobs.upsert([job('20250102030408000000', { user: 'saltapi', initiator: 'dave' })]);
      const by = async (initiator: string[]) =>
        (await store.jobs.list({ initiator, order: 'asc' })).items.map((j) => j.jid);
      expect(await by(['carol'])).toEqual([other]);
      expect(await by(['dave', 'carol'])).toEqual([other, '20250102030408000000']);
      expect(await by(['alice'])).toEqual([]);
      expect(
        await store.jobs.countByHour({
          since: '2025-01-02T00:00:00Z',
          until: '2025-01-03T00:00:00Z',
          initiator: ['dave'],
        }),
      ).toEqual([{ hourStart: '2025-01-02T03:00:00.000Z', count: 1 }]);
      await expectStoreError(store.jobs.list({ initiator: ['x'.repeat(256)] }), 'invalid_input');
      // The longest username fits.
      await store.jobs.upsert([job(jid, { initiator: 'é'.repeat(255) })]);
      expect((await store.jobs.get(jid))?.initiator).toBe('é'.repeat(255));
    });

    it('records returns and keeps counts, status and end time up to date', async () => {
      const { store } = await h.store();
      const jid = '20250102030405000000';
      await store.jobs.upsert([job(jid, { minionCount: 3 })]);
      const written = await store.jobs.recordReturns([
        {
          jid,
          minionId: 'b',
          success: false,
          retcode: 1,
          return: 'boom',
          returnedAt: '2025-01-02T03:04:07Z',
        },
        { jid, minionId: 'a', success: true, retcode: 0, return: true, returnedAt: '2025-01-02T03:04:06Z' },
      ]);
      expect(written).toBe(2);
      expect(await store.jobs.get(jid)).toMatchObject({
        returnedCount: 2,
        successCount: 1,
        failureCount: 1,
        hasReturns: true,
        status: 'running',
        endTime: null,
      });
      await store.jobs.recordReturns([
        {
          jid,
          minionId: 'c',
          success: null,
          retcode: null,
          return: null,
          returnedAt: '2025-01-02T03:04:09Z',
        },
        {
          jid,
          minionId: 'b',
          success: true,
          retcode: 0,
          return: 'fixed',
          returnedAt: '2025-01-02T03:04:08Z',
        },
      ]);
      expect(await store.jobs.get(jid)).toMatchObject({
        returnedCount: 3,
        successCount: 2,
        failureCount: 0,
        status: 'finished',
        endTime: '2025-01-02T03:04:09.000Z',
      });
      const returns = await store.jobs.returns(jid);
      expect(returns).toEqual({
        total: 3,
        items: [
          {
            jid,
            minionId: 'a',
            success: true,
            retcode: 0,
            return: true,
            returnBytes: 4,
            truncated: false,
            returnedAt: '2025-01-02T03:04:06.000Z',
          },
          {
            jid,
            minionId: 'b',
            success: true,
            retcode: 0,
            return: 'fixed',
            returnBytes: 7,
            truncated: false,
            returnedAt: '2025-01-02T03:04:08.000Z',
          },
          {
            jid,
            minionId: 'c',
            success: null,
            retcode: null,
            return: null,
            returnBytes: 4,
            truncated: false,
            returnedAt: '2025-01-02T03:04:09.000Z',
          },
        ],
      });
    });

    it('keeps returns of a job not indexed yet and counts them once it is', async () => {
      const { store } = await h.store();
      const jid = '20250102030405000000';
      await store.jobs.recordReturns([
        { jid, minionId: 'a', success: true, retcode: 0, return: 1, returnedAt: '2025-01-02T03:04:06Z' },
      ]);
      await store.jobs.upsert([job(jid)]);
      expect(await store.jobs.get(jid)).toMatchObject({
        returnedCount: 1,
        successCount: 1,
        hasReturns: true,
      });
    });

    it('caps large returns with a truncated flag and stores every JSON type exactly', async () => {
      const { store } = await h.store({ maxReturnBytes: 1024 });
      const jid = '20250102030405000000';
      const nested = {
        'file_|-x_|-/etc/x_|-managed': { result: true, changes: { diff: 'ü'.repeat(100) }, duration: 1.5 },
      };
      const big = { out: 'é'.repeat(5000) };
      await store.jobs.recordReturns([
        {
          jid,
          minionId: 'arr',
          success: true,
          retcode: 0,
          return: [1, 'two', null, { three: 3 }],
          returnedAt: '2025-01-02T03:04:06Z',
        },
        { jid, minionId: 'big', success: true, retcode: 0, return: big, returnedAt: '2025-01-02T03:04:06Z' },
        {
          jid,
          minionId: 'nested',
          success: true,
          retcode: 0,
          return: nested,
          returnedAt: '2025-01-02T03:04:06Z',
        },
        {
          jid,
          minionId: 'num',
          success: true,
          retcode: 0,
          return: -12.5e-3,
          returnedAt: '2025-01-02T03:04:06Z',
        },
        {
          jid,
          minionId: 'str',
          success: true,
          retcode: 0,
          return: 'plain "text" 🚀',
          returnedAt: '2025-01-02T03:04:06Z',
        },
      ]);
      const byMinion = Object.fromEntries((await store.jobs.returns(jid)).items.map((r) => [r.minionId, r]));
      expect(byMinion.arr?.return).toEqual([1, 'two', null, { three: 3 }]);
      expect(byMinion.nested?.return).toEqual(nested);
      expect(byMinion.num?.return).toBe(-0.0125);
      expect(byMinion.str?.return).toBe('plain "text" 🚀');
      const truncated = byMinion.big;
      expect(truncated?.truncated).toBe(true);
      expect(truncated?.returnBytes).toBe(Buffer.byteLength(JSON.stringify(big)));
      expect(typeof truncated?.return).toBe('string');
      const preview = truncated?.return as string;
      expect(JSON.stringify(big).startsWith(preview)).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(preview))).toBeLessThanOrEqual(1024);
      expect(Buffer.byteLength(JSON.stringify(preview))).toBeGreaterThan(1000);
    });

    it('pages one minion history newest first, and one job by minion', async () => {
      const { store } = await h.store();
      const jids = Array.from({ length: 5 }, (_, i) => `2025010203040${i}000000`);
      await store.jobs.upsert(jids.map((j) => job(j)));
      await store.jobs.recordReturns(
        jids.flatMap((j, i) => [
          {
            jid: j,
            minionId: 'web-01',
            success: true,
            retcode: 0,
            return: i,
            returnedAt: `2025-01-02T03:05:0${i}Z`,
          },
          {
            jid: j,
            minionId: 'web-02',
            success: true,
            retcode: 0,
            return: i,
            returnedAt: `2025-01-02T03:05:0${i}Z`,
          },
        ]),
      );
      const history = await store.jobs.returnsForMinion('web-01', { limit: 2, offset: 1 });
      expect(history.total).toBe(5);
      expect(history.items.map((r) => r.jid)).toEqual([jids[3], jids[2]]);
      const one = await store.jobs.returns(jids[0] as string, { limit: 1, offset: 1 });
      expect(one).toMatchObject({ total: 2, items: [{ minionId: 'web-02' }] });
    });

    it('lists with filters, sorting and paging', async () => {
      const { store } = await h.store();
      await store.jobs.upsert([
        job('20250101000001000000', { function: 'state.apply', user: 'alice', target: 'web*' }),
        job('20250101000002000000', {
          function: 'test.ping',
          user: 'bob',
          target: 'db-01',
          status: 'finished',
        }),
        job('20250101000003000000', { function: 'state.apply', user: 'bob', target: 'WEB-02' }),
        job('20250101000004000000', { function: 'cmd.run', user: 'alice', target: '*' }),
      ]);
      await store.jobs.recordReturns([
        {
          jid: '20250101000002000000',
          minionId: 'db-01',
          success: true,
          retcode: 0,
          return: 1,
          returnedAt: '2025-01-01T00:00:05Z',
        },
      ]);
      const jids = async (q: Parameters<typeof store.jobs.list>[0]) =>
        (await store.jobs.list(q)).items.map((j) => j.jid);
      expect(await jids({})).toEqual([
        '20250101000004000000',
        '20250101000003000000',
        '20250101000002000000',
        '20250101000001000000',
      ]);
      expect(await jids({ function: ['state.apply'] })).toEqual([
        '20250101000003000000',
        '20250101000001000000',
      ]);
      expect(await jids({ user: ['alice'], order: 'asc' })).toEqual([
        '20250101000001000000',
        '20250101000004000000',
      ]);
      expect(await jids({ status: 'finished' })).toEqual(['20250101000002000000']);
      expect(await jids({ since: '2025-01-01T00:00:02Z', until: '2025-01-01T00:00:04Z' })).toEqual([
        '20250101000003000000',
        '20250101000002000000',
      ]);
      expect(await jids({ minionId: 'db-01' })).toEqual(['20250101000002000000']);
      expect(await jids({ search: 'web' })).toEqual(['20250101000003000000', '20250101000001000000']);
      expect(await jids({ sort: 'function', order: 'asc' })).toEqual([
        '20250101000004000000',
        '20250101000001000000',
        '20250101000003000000',
        '20250101000002000000',
      ]);
      const page = await store.jobs.list({ limit: 3, offset: 3 });
      expect(page.total).toBe(4);
      expect(page.items.map((j) => j.jid)).toEqual(['20250101000001000000']);
    });

    it('filters by outcome: running, succeeded, failed, no returns', async () => {
      const { store } = await h.store();
      const done = { status: 'finished' } as const;
      await store.jobs.upsert([
        job('20250101000001000000', { minionCount: 2 }),
        job('20250101000002000000', done),
        job('20250101000003000000', done),
        job('20250101000004000000', done),
        job('20250101000005000000', done),
      ]);
      const ret = (jid: string, minionId: string, success: boolean | null) => ({
        jid,
        minionId,
        success,
        retcode: success === false ? 1 : 0,
        return: success,
        returnedAt: '2025-01-01T00:01:00Z',
      });
      await store.jobs.recordReturns([
        ret('20250101000001000000', 'a', false),
        ret('20250101000002000000', 'a', true),
        ret('20250101000003000000', 'a', true),
        ret('20250101000003000000', 'b', false),
        ret('20250101000005000000', 'a', null),
      ]);
      const jids = async (outcome: ('running' | 'succeeded' | 'failed' | 'no_returns')[]) =>
        (await store.jobs.list({ outcome, order: 'asc' })).items.map((j) => j.jid);
      // A running job is `running` even with a failure so far; a return without a verdict is no failure.
      expect(await jids(['running'])).toEqual(['20250101000001000000']);
      expect(await jids(['succeeded'])).toEqual(['20250101000002000000', '20250101000005000000']);
      expect(await jids(['failed'])).toEqual(['20250101000003000000']);
      expect(await jids(['no_returns'])).toEqual(['20250101000004000000']);
      expect(await jids(['failed', 'no_returns', 'failed'])).toEqual([
        '20250101000003000000',
        '20250101000004000000',
      ]);
      expect(await jids([])).toHaveLength(5);
      expect((await store.jobs.list({ outcome: ['failed'], status: 'running' })).total).toBe(0);
      expect((await store.jobs.list({ outcome: ['succeeded'], function: ['test.ping'] })).total).toBe(2);
      // Outcomes follow the counts as returns arrive.
      await store.jobs.recordReturns([ret('20250101000004000000', 'z', false)]);
      expect(await jids(['failed'])).toEqual(['20250101000003000000', '20250101000004000000']);
      await expectStoreError(store.jobs.list({ outcome: ['broken' as never] }), 'invalid_input');
    });

    it('counts jobs per UTC hour in a window, oldest first', async () => {
      const { store } = await h.store();
      await store.jobs.upsert([
        job('20250101095959000000'),
        job('20250101100000000000', { user: 'alice' }),
        job('20250101103000000000'),
        job('20250101125959000000', { user: 'alice' }),
        job('20250101130000000000'),
      ]);
      const window = { since: '2025-01-01T10:00:00Z', until: '2025-01-01T13:00:00Z' };
      expect(await store.jobs.countByHour(window)).toEqual([
        { hourStart: '2025-01-01T10:00:00.000Z', count: 2 },
        { hourStart: '2025-01-01T12:00:00.000Z', count: 1 },
      ]);
      expect(await store.jobs.countByHour({ ...window, user: ['alice'] })).toEqual([
        { hourStart: '2025-01-01T10:00:00.000Z', count: 1 },
        { hourStart: '2025-01-01T12:00:00.000Z', count: 1 },
      ]);
      await expectStoreError(
        store.jobs.countByHour({ since: '2025-01-01T00:00:00Z', until: '2025-03-01T00:00:00Z' }),
        'invalid_input',
      );
    });

    it('records when the jobs poller last ran', async () => {
      const { store } = await h.store();
      expect(await store.jobs.lastPolledAt()).toBeNull();
      await store.jobs.upsert([job('20250101000001000000')], { polledAt: '2025-02-01T00:00:00Z' });
      expect(await store.jobs.lastPolledAt()).toBe('2025-02-01T00:00:00.000Z');
      expect((await store.jobs.get('20250101000001000000'))?.seenAt).toBe('2025-02-01T00:00:00.000Z');
      await store.jobs.markPolled('2025-02-01T00:01:00Z');
      expect(await store.jobs.lastPolledAt()).toBe('2025-02-01T00:01:00.000Z');
    });

    it('moves the change counter of jobs after each write, not after reads', async () => {
      const { store } = await h.store();
      const jobs = () => store.changes.version('jobs');
      const minions = store.changes.version('minions');
      let before = jobs();
      await store.jobs.upsert([job('20250101000001000000')]);
      expect(jobs()).toBeGreaterThan(before);
      before = jobs();
      await store.jobs.list({ function: ['test.ping'] });
      await store.jobs.get('20250101000001000000');
      await store.jobs.returns('20250101000001000000');
      await store.jobs.lastPolledAt();
      expect(jobs()).toBe(before);
      await store.jobs.recordReturns([
        {
          jid: '20250101000001000000',
          minionId: 'web-01',
          success: true,
          retcode: 0,
          return: true,
          returnedAt: '2025-01-01T00:00:02Z',
        },
      ]);
      expect(jobs()).toBeGreaterThan(before);
      before = jobs();
      await store.jobs.markPolled(new Date());
      await store.jobs.deleteOlderThan('2024-01-01T00:00:00Z');
      expect(jobs()).toBe(before + 2);
      expect(store.changes.version('minions')).toBe(minions);
    });

    it('deletes old jobs with their returns in bounded batches', async () => {
      const { store } = await h.store();
      const old = Array.from({ length: 25 }, (_, i) => `20240101000000${pad(i, 6)}`);
      const recent = Array.from({ length: 5 }, (_, i) => `20250101000000${pad(i, 6)}`);
      await store.jobs.upsert([...old, ...recent].map((j) => job(j)));
      await store.jobs.recordReturns(
        [...old, ...recent, '20230101000000000000'].map((j) => ({
          jid: j,
          minionId: 'm',
          success: true,
          retcode: 0,
          return: 1,
          returnedAt: `${j.slice(0, 4)}-01-01T00:00:01Z`,
        })),
      );
      expect(await store.jobs.deleteOlderThan('2024-06-01T00:00:00Z', { batchSize: 10, maxBatches: 1 })).toBe(
        10,
      );
      expect((await store.jobs.list({ limit: 100 })).total).toBe(20);
      expect(await store.jobs.deleteOlderThan('2024-06-01T00:00:00Z', { batchSize: 10 })).toBe(15);
      expect((await store.jobs.list({ limit: 100 })).items.map((j) => j.jid).sort()).toEqual(recent);
      const history = await store.jobs.returnsForMinion('m', { limit: 100 });
      expect(history.items.map((r) => r.jid).sort()).toEqual(recent);
    });

    it('refuses bad job input with invalid_input and writes nothing', async () => {
      const { store } = await h.store();
      for (const bad of [
        [job('x'.repeat(65))],
        [job('20250101000001000000', { startTime: 'not a time' })],
        [job('20250101000001000000', { minionCount: -1 })],
        [job('20250101000001000000', { status: 'done' as never })],
        [job('20250101000001000000', { target: 't'.repeat(2049) })],
        [job('20250101000001000000', { initiator: 'u'.repeat(256) })],
        [job('20250101000001000000', { initiator: '' })],
        [{ jid: '20250101000001000000', startTime: '2025-01-01T00:00:00Z' }],
      ]) {
        await expectStoreError(
          store.jobs.upsert([job('20250101000009000000'), ...(bad as JobInput[])]),
          'invalid_input',
        );
      }
      await expectStoreError(
        store.jobs.recordReturns([
          {
            jid: 'j',
            minionId: 'm',
            success: 'yes' as never,
            retcode: 0,
            return: 1,
            returnedAt: '2025-01-01T00:00:00Z',
          },
        ]),
        'invalid_input',
      );
      expect((await store.jobs.list()).total).toBe(0);
    });
  });
}
