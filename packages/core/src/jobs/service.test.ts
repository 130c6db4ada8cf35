import { describe, expect, it } from 'vitest';
import { HaliteError } from '../errors.js';
import type { RuntimeConfig } from '../runtime/runtime-config.js';
import type { SaltAPIClient } from '../salt/client.js';
import { SaltAPIUnavailable } from '../salt/errors.js';
import type { JobRecord, JobReturn } from '../store/jobs.js';
import type { Store } from '../store/store.js';
import { JobService } from './service.js';

const JID = '20261127231506977424';

const indexed: JobRecord = {
  jid: JID,
  function: 'test.ping',
  target: '*',
  targetType: 'glob',
  user: 'halite',
  initiator: 'admin',
  startTime: '2026-11-27T23:15:06.977Z',
  endTime: null,
  status: 'running',
  minionCount: 2,
  returnedCount: 0,
  successCount: 0,
  failureCount: 0,
  hasReturns: false,
  arguments: [],
  metadata: null,
  seenAt: '2026-11-27T23:15:07.000Z',
  updatedAt: '2026-11-27T23:15:07.000Z',
};

/** `runner jobs.list_job` as Salt answers it. */
const listJob = {
  jid: JID,
  Function: 'test.ping',
  Arguments: [],
  Target: '*',
  'Target-type': 'glob',
  User: 'halite',
  Minions: ['m1', 'm2'],
  StartTime: '2026, Nov 27 23:15:06.977424',
  Result: {
    m2: { return: true, retcode: 0, success: true },
    m1: { return: true, retcode: 0, success: true },
  },
};

function service(options: { job?: JobRecord; returns?: JobReturn[]; live?: () => Promise<unknown> }) {
  const calls: string[] = [];
  const store = {
    jobs: {
      get: async (jid: string) => (options.job?.jid === jid ? options.job : undefined),
      returns: async () => ({ total: options.returns?.length ?? 0, items: options.returns ?? [] }),
    },
  } as unknown as Store;
  const salt = {
    runnerCall: async (fun: string) => {
      calls.push(fun);
      return options.live ? options.live() : listJob;
    },
  } as unknown as SaltAPIClient;
  const runtime = {
    salt,
    withSalt: <T>(fn: (s: SaltAPIClient) => Promise<T>) => fn(salt),
  } as unknown as RuntimeConfig;
  return { jobs: new JobService(store, runtime), calls };
}

const page = { limit: 50, offset: 0 };

describe('job detail', () => {
  it("shows the job cache's results for an indexed job with no stored returns (event stream off)", async () => {
    const { jobs, calls } = service({ job: indexed });
    const detail = await jobs.get(JID, page);
    expect(calls).toEqual(['jobs.list_job']);
    expect(detail).toMatchObject({
      jid: JID,
      user: 'halite',
      initiator: 'admin',
      source: 'salt',
      status: 'finished',
      minion_count: 2,
      returned_count: 2,
      success_count: 2,
      results_total: 2,
    });
    expect(detail.results.map((r) => [r.minion, r.return_value])).toEqual([
      ['m1', true],
      ['m2', true],
    ]);
  });

  it('keeps the Store view when the job has stored returns, without asking Salt', async () => {
    const ret: JobReturn = {
      jid: JID,
      minionId: 'm1',
      success: true,
      retcode: 0,
      return: true,
      returnBytes: 4,
      truncated: false,
      returnedAt: '2026-11-27T23:15:07.100Z',
    };
    const { jobs, calls } = service({
      job: { ...indexed, hasReturns: true, returnedCount: 1 },
      returns: [ret],
    });
    const detail = await jobs.get(JID, page);
    expect(calls).toEqual([]);
    expect(detail).toMatchObject({ source: 'store', status: 'running', returned_count: 1, results_total: 1 });
  });

  it('falls back to the Store view when salt-api is unreachable or the job cache has nothing yet', async () => {
    const down = service({
      job: indexed,
      live: () => Promise.reject(new SaltAPIUnavailable('refused', { reason: 'connection_refused' })),
    });
    expect(await down.jobs.get(JID, page)).toMatchObject({
      source: 'store',
      status: 'running',
      results_total: 0,
    });
    const running = service({ job: indexed, live: async () => ({ ...listJob, Result: {} }) });
    expect(await running.jobs.get(JID, page)).toMatchObject({ source: 'store', results_total: 0 });
  });

  it('reads a job Halite does not know from the job cache, and 404s one Salt does not know either', async () => {
    const { jobs } = service({});
    expect(await jobs.get(JID, page)).toMatchObject({ source: 'salt', user: 'halite', results_total: 2 });
    const unknown = service({
      live: async () => ({ jid: JID, Error: 'Cannot contact returner or no job with this jid' }),
    });
    const error = await unknown.jobs.get(JID, page).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HaliteError);
    expect((error as HaliteError).code).toBe('not_found');
  });
});
