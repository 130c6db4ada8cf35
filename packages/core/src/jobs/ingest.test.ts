import { describe, expect, it } from 'vitest';
import { normalizeSaltEvent } from '../activity/normalize.js';
import { isPlumbingJob, jobFromEvent, jobsFromListJobs } from './ingest.js';

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
