import { describe, expect, it } from 'vitest';
import { jobsSearch } from './jobs-search';

describe('jobsSearch', () => {
  it('keeps the known filters', () => {
    expect(
      jobsSearch({
        q: ' web ',
        fun: 'state.apply',
        user: 'root',
        by: ' alice ',
        minion: 'web-01',
        status: 'running',
        window: '24',
        page: 2,
      }),
    ).toEqual({
      q: 'web',
      fun: 'state.apply',
      user: 'root',
      by: 'alice',
      minion: 'web-01',
      status: 'running',
      window: 24,
      page: 2,
    });
  });

  it('keeps an outcome of finished jobs', () => {
    for (const outcome of ['succeeded', 'failed', 'no_returns'])
      expect(jobsSearch({ outcome })).toEqual({ outcome });
  });

  it('drops what it does not know', () => {
    expect(
      jobsSearch({ status: 'failed', outcome: 'running', window: '5', page: -1, q: '', other: 'x' }),
    ).toEqual({});
    expect(jobsSearch({ outcome: ['failed'] })).toEqual({});
    expect(jobsSearch({ by: 'a'.repeat(256) })).toEqual({});
  });
});
