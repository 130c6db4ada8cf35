import { describe, expect, it } from 'vitest';
import { normalizeSaltEvent } from './normalize.js';

const JID = '20251002101112123456';
const stamp = '2025-10-02T10:11:12.345678';

describe('normalizeSaltEvent', () => {
  it('keeps a published job as job.new with target, user and minion count', () => {
    const result = normalizeSaltEvent({
      tag: `salt/job/${JID}/new`,
      data: {
        jid: JID,
        tgt_type: 'glob',
        tgt: '*',
        user: 'saltdev',
        fun: 'test.ping',
        arg: [],
        minions: ['m1', 'm2'],
        missing: [],
        _stamp: '2025-10-02T10:11:12.130001',
      },
    });
    expect(result).toEqual({
      kept: true,
      event: {
        category: 'job',
        event_type: 'job.new',
        occurred_at: '2025-10-02T10:11:12.130Z',
        minion_id: null,
        jid: JID,
        fun: 'test.ping',
        success: null,
        changed: null,
        initiator: 'saltdev',
        target: '*',
        target_type: 'glob',
        minion_count: 2,
        duration_ms: null,
        summary: 'test.ping dispatched to 2 minions',
        job_return: null,
      },
    });
  });

  it('keeps a return as job.ret with success from retcode and the return for job_returns', () => {
    const result = normalizeSaltEvent({
      tag: `salt/job/${JID}/ret/m1`,
      data: {
        cmd: '_return',
        id: 'm1',
        return: true,
        retcode: 0,
        jid: JID,
        fun: 'test.ping',
        fun_args: [],
        user: 'saltdev',
        _stamp: '2025-10-02T10:11:12',
      },
    });
    expect(result.kept && result.event).toMatchObject({
      event_type: 'job.ret',
      minion_id: 'm1',
      success: true,
      changed: null,
      duration_ms: null,
      occurred_at: '2025-10-02T10:11:12.000Z',
      summary: 'm1 returned test.ping ✓',
      job_return: {
        jid: JID,
        minion_id: 'm1',
        fun: 'test.ping',
        success: true,
        retcode: 0,
        return_value: true,
        returned_at: '2025-10-02T10:11:12.000Z',
      },
    });
  });

  it('reads changes and durations of a state run, and a failure from success=false', () => {
    const result = normalizeSaltEvent({
      tag: `salt/job/${JID}/ret/web1`,
      data: {
        id: 'web1',
        fun: 'state.apply',
        success: false,
        retcode: 2,
        _stamp: stamp,
        return: {
          'file_|-motd_|-/etc/motd_|-managed': { result: true, changes: { diff: 'x' }, duration: 12.4 },
          'pkg_|-nginx_|-nginx_|-installed': { result: false, changes: {}, duration: '7.7 ms' },
          'service_|-nginx_|-nginx_|-running': { result: true, changes: {} },
        },
      },
    });
    expect(result.kept && result.event).toMatchObject({
      success: false,
      changed: true,
      duration_ms: 20,
      summary: 'web1 returned state.apply ✗',
      job_return: { retcode: 2, success: false },
    });
  });

  it('treats a state run without changes as unchanged, and a per-state retcode map by its worst code', () => {
    const result = normalizeSaltEvent({
      tag: `salt/job/${JID}/ret/web1`,
      data: {
        id: 'web1',
        fun: 'state.apply',
        retcode: { a: 0, b: 1 },
        return: { 'file_|-a_|-a_|-managed': { result: true, changes: {}, duration: 1 } },
      },
    });
    expect(result.kept && result.event).toMatchObject({ success: false, changed: false, duration_ms: 1 });
  });

  it.each([
    ['accept', 'key.accept', 'm3 key accepted'],
    ['accepted', 'key.accept', 'm3 key accepted'],
    ['reject', 'key.reject', 'm3 key rejected'],
    ['rejected', 'key.reject', 'm3 key rejected'],
    ['delete', 'key.delete', 'm3 key deleted'],
  ])('maps salt/key act %s to %s', (act, type, summary) => {
    const result = normalizeSaltEvent({
      tag: 'salt/key',
      data: { result: true, act, id: 'm3', _stamp: stamp },
    });
    expect(result.kept && result.event).toMatchObject({
      category: 'key',
      event_type: type,
      minion_id: 'm3',
      success: true,
      summary,
    });
  });

  it('keeps salt/auth pend as key.pend and drops the other auth attempts', () => {
    const pend = normalizeSaltEvent({
      tag: 'salt/auth',
      data: { result: true, act: 'pend', id: 'p1', pub: 'k' },
    });
    expect(pend.kept && pend.event).toMatchObject({
      event_type: 'key.pend',
      minion_id: 'p1',
      summary: 'p1 key is pending',
    });
    expect(normalizeSaltEvent({ tag: 'salt/auth', data: { result: true, act: 'accept', id: 'm1' } })).toEqual(
      {
        kept: false,
        reason: 'ignored',
      },
    );
  });

  it('keeps salt/minion/<id>/start and drops the legacy minion_start duplicate', () => {
    const data = { id: 'm1', cmd: '_minion_event', data: 'Minion m1 started at …', _stamp: stamp };
    const result = normalizeSaltEvent({ tag: 'salt/minion/m1/start', data });
    expect(result.kept && result.event).toMatchObject({
      category: 'minion',
      event_type: 'minion.start',
      minion_id: 'm1',
      summary: 'm1 started',
      occurred_at: '2025-10-02T10:11:12.345Z',
    });
    expect(normalizeSaltEvent({ tag: 'minion_start', data })).toEqual({ kept: false, reason: 'ignored' });
  });

  it.each([
    ['a runner job', { tag: `salt/run/${JID}/new`, data: { fun: 'runner.jobs.list_jobs', jid: JID } }],
    ['a wheel job', { tag: `salt/wheel/${JID}/ret`, data: { fun: 'wheel.key.list_all', return: {} } }],
    ['presence', { tag: 'salt/presence/present', data: { present: ['m1'] } }],
    ['a refresh', { tag: 'minion/refresh/m1', data: {} }],
    ['a state progress event', { tag: `salt/job/${JID}/prog/m1/0`, data: {} }],
  ])('ignores %s', (_label, event) => {
    expect(normalizeSaltEvent(event)).toEqual({ kept: false, reason: 'ignored' });
  });

  it('drops the find_job probes and jobs.active fan-out as internal', () => {
    const probe = {
      tag: `salt/job/${JID}/new`,
      data: { fun: 'saltutil.find_job', tgt: ['m1'], minions: ['m1'] },
    };
    const running = {
      tag: `salt/job/${JID}/ret/m1`,
      data: { id: 'm1', fun: 'saltutil.running', return: [] },
    };
    expect(normalizeSaltEvent(probe)).toEqual({ kept: false, reason: 'internal' });
    expect(normalizeSaltEvent(running)).toEqual({ kept: false, reason: 'internal' });
  });

  it.each([
    ['null', null],
    ['a string', 'salt/key'],
    ['no data', { tag: 'salt/key' }],
    ['data not an object', { tag: 'salt/key', data: [1, 2] }],
    ['a key event without id', { tag: 'salt/key', data: { act: 'accept' } }],
    ['a key id of the wrong type', { tag: 'salt/key', data: { act: 'accept', id: 42 } }],
    ['a bad jid', { tag: 'salt/job/notajid/new', data: { fun: 'test.ping' } }],
    ['a new job without fun', { tag: `salt/job/${JID}/new`, data: { tgt: '*' } }],
    ['a return without id', { tag: `salt/job/${JID}/ret/m1`, data: { fun: 'test.ping' } }],
    ['a retcode of the wrong type', { tag: `salt/job/${JID}/ret/m1`, data: { id: 'm1', retcode: 'zero' } }],
    ['a huge minion id', { tag: `salt/minion/${'x'.repeat(2000)}/start`, data: {} }],
  ])('drops %s as malformed without throwing', (_label, event) => {
    expect(normalizeSaltEvent(event)).toEqual({ kept: false, reason: 'malformed' });
  });

  it('uses the receive time when the event has no usable _stamp', () => {
    const receivedAt = new Date('2026-03-04T05:06:07.890Z');
    const result = normalizeSaltEvent(
      { tag: 'salt/minion/m1/start', data: { _stamp: 'yesterday' } },
      { receivedAt },
    );
    expect(result.kept && result.event.occurred_at).toBe('2026-03-04T05:06:07.890Z');
  });
});
