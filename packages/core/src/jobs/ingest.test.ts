import { describe, expect, it } from 'vitest';
import { normalizeSaltEvent } from '../activity/normalize.js';
import { isPlumbingJob, jobFromEvent, jobsFromListJobs, planJobsPass } from './ingest.js';

const summary = {
  Arguments: ['a', { __kwarg__: true, k: 'v' }],
  Target: '*',
  'Target-type': 'glob',
  User: 'saltdev',
  StartTime: '2025, Oct 02 10:11:12.123456',
};

describe('jobs ingest', () => {
  it('maps list_jobs entries to index rows, times from the jid in UTC', () => {
    const rows = jobsFromListJobs({
      '20251002101112123456': { ...summary, Function: 'test.arg', Metadata: { ticket: 'OPS-1' } },
      '20251002101500654321': {
        ...summary,
        Function: ['test.ping', 'grains.items'],
        Target: ['m1', 'm2'],
        'Target-type': 'list',
      },
    });
    expect(rows).toEqual([
      {
        jid: '20251002101112123456',
        function: 'test.arg',
        target: '*',
        targetType: 'glob',
        user: 'saltdev',
        startTime: '2025-10-02T10:11:12.123Z',
        arguments: ['a', { __kwarg__: true, k: 'v' }],
        metadata: { ticket: 'OPS-1' },
      },
      {
        jid: '20251002101500654321',
        function: 'test.ping,grains.items',
        target: 'm1,m2',
        targetType: 'list',
        user: 'saltdev',
        startTime: '2025-10-02T10:15:00.654Z',
        arguments: ['a', { __kwarg__: true, k: 'v' }],
      },
    ]);
  });

  it("leaves out runner, wheel and Salt's own probe jobs, so polling does not flood the index", () => {
    const rows = jobsFromListJobs({
      '20251002101112000001': {
        ...summary,
        Function: 'runner.jobs.list_jobs',
        Target: 'master_master',
        'Target-type': 'list',
      },
      '20251002101112000002': { ...summary, Function: 'wheel.key.list_all' },
      '20251002101112000003': { ...summary, Function: 'saltutil.find_job' },
      '20251002101112000004': { ...summary, Function: 'saltutil.running' },
      '20251002101112000005': { ...summary, Function: 'state.apply' },
    });
    expect(rows.map((r) => r.function)).toEqual(['state.apply']);
    expect(isPlumbingJob('runner.manage.present')).toBe(true);
    expect(isPlumbingJob('cmd.run')).toBe(false);
  });

  it('skips entries whose start time cannot be read', () => {
    expect(jobsFromListJobs({ req: { ...summary, Function: 'test.ping', StartTime: '' } })).toEqual([]);
  });

  it('turns a job.new event into a running job row', () => {
    const result = normalizeSaltEvent({
      tag: 'salt/job/20251002101112123456/new',
      data: { fun: 'test.ping', tgt: ['m1'], tgt_type: 'list', user: 'alice', minions: ['m1'] },
    });
    expect(result.kept && jobFromEvent(result.event)).toEqual({
      jid: '20251002101112123456',
      function: 'test.ping',
      target: 'm1',
      targetType: 'list',
      user: 'alice',
      startTime: '2025-10-02T10:11:12.123Z',
      minionCount: 1,
      status: 'running',
    });
  });
});

describe('a jobs pass', () => {
  const running = { ...summary, Running: [{ m1: 4242 }], Returned: [] };
  const listed = {
    '20251002101112000001': { ...summary, Function: 'test.arg' },
    '20251002101112000002': { ...summary, Function: 'test.sleep' },
    '20251002101112000003': { ...summary, Function: 'runner.jobs.active' },
  };

  it('indexes listed jobs that Salt no longer runs as finished, and the active ones as running', () => {
    const plan = planJobsPass(listed, { '20251002101112000002': { ...running, Function: 'test.sleep' } }, []);
    expect(plan.upsert.map((r) => [r.jid, r.function, r.status])).toEqual([
      ['20251002101112000001', 'test.arg', 'finished'],
      ['20251002101112000002', 'test.sleep', 'running'],
    ]);
    expect(plan).toMatchObject({ listed: 2, active: 1, finished: 0 });
  });

  it('finishes indexed running jobs that jobs.active no longer lists, whether listed again or not', () => {
    const plan = planJobsPass(listed, {}, [
      { jid: '20251002101112000002', function: 'test.sleep', startTime: '2025-10-02T10:11:12.000Z' },
      { jid: '20251001000000000009', function: 'cmd.run', startTime: '2025-10-01T00:00:00.000Z' },
      { jid: '20251001000000000010', function: 'test.sleep', startTime: '2025-10-01T00:00:00.000Z' },
    ]);
    expect(plan.upsert.map((r) => [r.jid, r.status])).toEqual([
      ['20251002101112000001', 'finished'],
      ['20251002101112000002', 'finished'],
      ['20251001000000000009', 'finished'],
      ['20251001000000000010', 'finished'],
    ]);
    // A job known only from the index keeps its target and user: only identity and status are sent.
    expect(plan.upsert[2]).toEqual({
      jid: '20251001000000000009',
      function: 'cmd.run',
      startTime: '2025-10-01T00:00:00.000Z',
      status: 'finished',
    });
    expect(plan.finished).toBe(3);
  });

  it('keeps a running job that jobs.active still lists running', () => {
    const plan = planJobsPass({}, { '20251001000000000010': { ...running, Function: 'test.sleep' } }, [
      { jid: '20251001000000000010', function: 'test.sleep', startTime: '2025-10-01T00:00:00.000Z' },
    ]);
    expect(plan.upsert.map((r) => [r.jid, r.status])).toEqual([['20251001000000000010', 'running']]);
    expect(plan.finished).toBe(0);
  });
});
