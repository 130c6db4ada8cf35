import { JobFollowUp, SaltAPIClient } from '@halite/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoopbackSaltApi, type LowstateChunk } from './loopback-salt-api.js';
import { createTestHalite, type TestHalite } from './seeded-halite.js';

const JID = '20250615123456123456';

/** What the fake master knows of the job: who returned, and whether it still runs. */
let master: { returned: Record<string, unknown>; running: boolean; killed: boolean };
let salt: LoopbackSaltApi;
let t: TestHalite;

function answer(chunk: LowstateChunk): unknown {
  if (chunk.client === 'local_async' && chunk.fun === 'saltutil.kill_job') {
    master.killed = true;
    master.running = false;
    return { jid: '20250615123500000000', minions: ['m1', 'm2'] };
  }
  if (chunk.client === 'local_async') return { jid: JID, minions: ['m1', 'm2'] };
  const kwarg = (chunk.kwarg ?? {}) as Record<string, unknown>;
  if (chunk.fun === 'jobs.list_job' && kwarg.jid === JID) {
    return {
      jid: JID,
      Function: 'test.sleep',
      Arguments: [30],
      Target: 'm*',
      'Target-type': 'glob',
      User: 'halite',
      Minions: ['m1', 'm2'],
      StartTime: '2025, Jun 15 12:34:56.123456',
      Result: master.returned,
    };
  }
  if (chunk.fun === 'jobs.active') {
    if (!master.running) return {};
    return {
      [JID]: {
        Function: 'test.sleep',
        Arguments: [30],
        Target: 'm*',
        'Target-type': 'glob',
        User: 'halite',
        StartTime: '2025, Jun 15 12:34:56.123456',
        Running: [{ m2: 4242 }],
        Returned: Object.keys(master.returned),
      },
    };
  }
  return true;
}

beforeEach(async () => {
  master = { returned: {}, running: true, killed: false };
  salt = new LoopbackSaltApi(answer);
  await salt.start();
  t = await createTestHalite({
    halite: {
      createClient: (options) => new SaltAPIClient({ ...options, retry: { retries: 0 } }),
      jobFollowUp: { delaysMs: [20] },
    },
  });
  // The reference defaults: no event stream, no jobs poller; minion pollers off for quiet.
  await t.store.settings.update({
    eventStreamEnabled: false,
    jobsPollIntervalSeconds: 0,
    minionKeysIntervalSeconds: 0,
    minionPresenceIntervalSeconds: 0,
    minionGrainsIntervalSeconds: 0,
  });
  await t.halite.settings.updateSalt({ url: salt.url, username: 'halite', password: 'pw', eauth: 'pam' });
});
afterEach(async () => {
  await t.close();
  await salt.stop();
});

const run = () =>
  t.request('POST', '/api/run', {
    body: { tgt: 'm*', tgt_type: 'glob', fun: 'test.sleep', arg: [30], kwarg: {} },
  });
const job = () => t.store.jobs.get(JID);

describe('jobs run through Halite with the event stream off and the jobs poller at 0', () => {
  it('finish with their returns once every targeted minion returned', async () => {
    expect((await run()).status).toBe(202);
    expect(await job()).toMatchObject({ status: 'running', minionCount: 2, returnedCount: 0 });
    master.returned = { m1: { return: true, retcode: 0, success: true } };
    await expect.poll(async () => (await job())?.returnedCount, { timeout: 10_000 }).toBe(1);
    expect((await job())?.status).toBe('running');
    master.returned.m2 = { return: false, retcode: 1, success: false };
    await expect.poll(async () => (await job())?.status, { timeout: 10_000 }).toBe('finished');
    expect(await job()).toMatchObject({ returnedCount: 2, successCount: 1, failureCount: 1 });
    const detail = (await (await t.request('GET', `/api/jobs/${JID}`)).json()) as {
      status: string;
      results: Array<{ minion: string; success: boolean }>;
    };
    expect(detail.status).toBe('finished');
    expect(detail.results.map((r) => [r.minion, r.success])).toEqual([
      ['m1', true],
      ['m2', false],
    ]);
  });

  it('finish when Salt no longer runs them, even when a minion never returned', async () => {
    expect((await run()).status).toBe(202);
    master.returned = { m1: { return: true, retcode: 0, success: true } };
    master.running = false;
    await expect.poll(async () => (await job())?.status, { timeout: 10_000 }).toBe('finished');
    expect(await job()).toMatchObject({ returnedCount: 1, endTime: expect.any(String) });
  });

  it('a killed job is marked finished once Salt reports it inactive', async () => {
    expect((await run()).status).toBe(202);
    // Nothing comes back while it runs: the follow-up keeps asking.
    await expect
      .poll(() => salt.calls.filter((c) => c.fun === 'jobs.active').length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    expect((await job())?.status).toBe('running');
    expect((await t.request('POST', `/api/jobs/${JID}/kill`)).status).toBe(202);
    expect(master.killed).toBe(true);
    await expect.poll(async () => (await job())?.status, { timeout: 10_000 }).toBe('finished');
    expect((await job())?.returnedCount).toBe(0);
  });

  it('asks Salt nothing once the Store has the job finished (the poller or the event stream got there first)', async () => {
    await t.store.jobs.upsert([
      { jid: JID, function: 'test.sleep', startTime: new Date(), status: 'finished' },
    ]);
    const followUp = new JobFollowUp({ store: t.store, runtime: t.halite.runtime });
    const before = salt.calls.length;
    expect(await followUp.check(JID)).toBe(true);
    expect(await followUp.check('20250615000000000000')).toBe(true);
    expect(salt.calls.length).toBe(before);
  });
});
