import { describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../../live/activity-event';
import { type ActivityFilter, matchesFilter, outcomeOf } from './activity-filter';

const base: ActivityEvent = {
  id: 1,
  ts: '2026-01-01T00:00:00Z',
  category: 'job',
  event_type: 'job.ret',
  minion_id: 'web-01',
  jid: '20260101000000000001',
  fun: 'test.ping',
  success: true,
  changed: false,
  initiator: 'alice',
  target: 'web-*',
  duration_ms: 3,
  summary: 'web-01 returned test.ping ✓',
};
const all: ActivityFilter = { category: '', search: '', hideRoutine: false, hideDispatch: false };

describe('matchesFilter', () => {
  it('filters by category, routine and dispatch', () => {
    expect(matchesFilter(base, all)).toBe(true);
    expect(matchesFilter(base, { ...all, category: 'key' })).toBe(false);
    expect(matchesFilter(base, { ...all, hideRoutine: true })).toBe(false);
    expect(matchesFilter({ ...base, changed: true }, { ...all, hideRoutine: true })).toBe(true);
    expect(matchesFilter({ ...base, event_type: 'job.new' }, { ...all, hideDispatch: true })).toBe(false);
  });

  it('searches the summary and the minion id, as the server does', () => {
    expect(matchesFilter(base, { ...all, search: 'TEST.PING' })).toBe(true);
    expect(matchesFilter({ ...base, summary: 'x' }, { ...all, search: 'web-01' })).toBe(true);
    expect(matchesFilter(base, { ...all, search: 'alice' })).toBe(false);
    expect(matchesFilter(base, { ...all, search: 'db-02' })).toBe(false);
  });
});

describe('outcomeOf', () => {
  it('reads a return as failed, changes or ok', () => {
    expect(outcomeOf({ ...base, success: false })).toBe('failed');
    expect(outcomeOf({ ...base, changed: true })).toBe('changes');
    expect(outcomeOf(base)).toBe('ok');
    expect(outcomeOf({ ...base, event_type: 'job.new' })).toBeNull();
  });
});
