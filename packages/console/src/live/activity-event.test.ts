import { describe, expect, it } from 'vitest';
import { parseActivityEvent, staleRoots } from './activity-event';

const JOB_RET = {
  id: 42,
  ts: '2026-01-01T00:00:00.000Z',
  category: 'job',
  event_type: 'job.ret',
  minion_id: 'web-01',
  jid: '20260101000000000000',
  fun: 'test.ping',
  success: true,
  changed: false,
  initiator: null,
  target: null,
  duration_ms: null,
  summary: 'web-01 returned test.ping ✓',
};

describe('parseActivityEvent', () => {
  it('reads a stream frame', () => {
    expect(parseActivityEvent(JSON.stringify(JOB_RET))).toEqual(JOB_RET);
  });

  it('refuses what is not an event', () => {
    expect(parseActivityEvent('not json')).toBeNull();
    expect(parseActivityEvent('{"reason":"slow"}')).toBeNull();
    expect(parseActivityEvent(JSON.stringify({ ...JOB_RET, category: 'salt' }))).toBeNull();
    expect(parseActivityEvent(JSON.stringify({ ...JOB_RET, id: '42' }))).toBeNull();
  });
});

describe('staleRoots', () => {
  it('maps each category to the lists it changes', () => {
    expect(staleRoots({ category: 'job' })).toEqual(['jobs', 'activity']);
    expect(staleRoots({ category: 'key' })).toEqual(['keys', 'minions', 'activity']);
    expect(staleRoots({ category: 'minion' })).toEqual(['minions', 'activity']);
  });
});
