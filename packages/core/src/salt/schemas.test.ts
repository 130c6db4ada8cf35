import { describe, expect, it } from 'vitest';
import {
  cacheGrainsBody,
  jobsActiveBody,
  keyAcceptBody,
  keyListAllBody,
  listJobsBody,
  localAsyncBody,
  loginBody,
  loginBodyEmptyPerms,
  managePresentBody,
  managePresentShowIpBody,
} from './__fixtures__/wire.js';
import {
  ActiveJobsResult,
  GrainsMap,
  KeyChange,
  KeyLists,
  ListJobsResult,
  LocalAsyncResult,
  LoginResponse,
  PresentMinions,
  WheelResponse,
} from './schemas.js';

describe('LoginResponse', () => {
  it('reads the one-element return list of /login', () => {
    const parsed = LoginResponse.parse(loginBody);
    expect(parsed.return[0]).toEqual(loginBody.return[0]);
  });

  it('accepts perms as an empty object when no ACL entry matched', () => {
    expect(LoginResponse.parse(loginBodyEmptyPerms).return[0]?.perms).toEqual({});
  });

  it('accepts perms that mix strings and objects', () => {
    const body = { return: [{ ...loginBody.return[0], perms: ['test.*', { '@runner': ['jobs.*'] }] }] };
    expect(LoginResponse.parse(body).return[0]?.perms).toEqual(['test.*', { '@runner': ['jobs.*'] }]);
  });

  it('accepts the bare-object return of old docstrings', () => {
    expect(LoginResponse.parse({ return: loginBody.return[0] }).return).toHaveLength(1);
  });

  it('refuses a login result without a token', () => {
    const { token: _token, ...rest } = loginBody.return[0]!;
    expect(LoginResponse.safeParse({ return: [rest] }).success).toBe(false);
  });
});

describe('wheel answers', () => {
  it('reads key.list_all into KeyLists, local included', () => {
    const wheel = WheelResponse.parse(keyListAllBody.return[0]);
    expect(KeyLists.parse(wheel.data.return)).toEqual({
      minions_pre: ['m3'],
      minions_rejected: [],
      minions: ['m1', 'm2'],
      minions_denied: [],
      local: ['master.pem', 'master.pub'],
    });
  });

  it('reads key lists without local', () => {
    const lists = { minions: ['m1'], minions_pre: [], minions_rejected: [], minions_denied: [] };
    expect(KeyLists.parse(lists)).toEqual(lists);
  });

  it('reads the partial answer of key.accept into KeyChange', () => {
    const wheel = WheelResponse.parse(keyAcceptBody.return[0]);
    expect(KeyChange.parse(wheel.data.return)).toEqual({ minions: ['m3'] });
    expect(KeyChange.parse({})).toEqual({});
  });
});

describe('runner answers', () => {
  it('reads jobs.list_jobs entries, keeping unknown keys', () => {
    const jobs = ListJobsResult.parse({
      ...listJobsBody.return[0],
      '20251002101600000001': {
        Function: 'state.apply',
        Arguments: [{ __kwarg__: true, test: true }],
        Target: ['m1', 'm2'],
        'Target-type': 'list',
        User: 'saltdev',
        StartTime: '2025, Oct 02 10:16:00.000001',
        Metadata: { ticket: 'OPS-1' },
        EndTime: '2025, Oct 02 10:16:05.000001',
        Extra: 'kept',
      },
    });
    expect(jobs['20251002101112123456']).toEqual({
      Function: 'test.ping',
      Arguments: [],
      Target: '*',
      'Target-type': 'glob',
      User: 'saltdev',
      StartTime: '2025, Oct 02 10:11:12.123456',
    });
    expect(jobs['20251002101600000001']?.Target).toEqual(['m1', 'm2']);
    expect(jobs['20251002101600000001']?.Metadata).toEqual({ ticket: 'OPS-1' });
    expect(jobs['20251002101600000001']?.Extra).toBe('kept');
  });

  it('unwraps the outputter form of jobs.list_jobs', () => {
    const jobs = ListJobsResult.parse({ outputter: 'nested', data: listJobsBody.return[0] });
    expect(Object.keys(jobs)).toEqual(['20251002101112123456', '20251002101500654321']);
  });

  it('reads jobs.active entries with Running and Returned', () => {
    const active = ActiveJobsResult.parse(jobsActiveBody.return[0]);
    expect(active['20251002101112123456']?.Running).toEqual([{ m1: 4242 }]);
    expect(active['20251002101112123456']?.Returned).toEqual(['m2']);
  });

  it('reads cache.grains, a minion with no cached grains included', () => {
    const grains = GrainsMap.parse(cacheGrainsBody.return[0]);
    expect(grains.m1?.os).toBe('Debian');
    expect(grains.m2).toEqual({});
  });

  it("passes each minion's grains through as the same object, not a copy", () => {
    const answer = cacheGrainsBody.return[0] as Record<string, unknown>;
    expect(GrainsMap.parse(answer).m1).toBe(answer.m1);
  });

  it.each([
    ['a string', 'Minion did not return'],
    ['a list', ['os', 'Debian']],
    ['null', null],
    ['a number', 3],
    ['false', false],
  ])('refuses a cache.grains answer whose grains are %s', (_what, bad) => {
    const result = GrainsMap.safeParse({ m1: { os: 'Debian' }, m2: bad });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['m2']);
  });

  it('refuses a cache.grains answer that is not a map', () => {
    expect(GrainsMap.safeParse(['m1']).success).toBe(false);
    expect(GrainsMap.safeParse('Exception occurred in runner cache.grains').success).toBe(false);
  });

  it('reads manage.present as a list, and its show_ip form as the ids', () => {
    expect(PresentMinions.parse(managePresentBody.return[0])).toEqual(['m1', 'm2']);
    expect(PresentMinions.parse(managePresentShowIpBody.return[0])).toEqual(['m1']);
  });
});

describe('LocalAsyncResult', () => {
  it('reads the jid and minions of a published job', () => {
    expect(LocalAsyncResult.parse(localAsyncBody.return[0])).toEqual({
      jid: '20251002101112123456',
      minions: ['m1', 'm2'],
    });
  });

  it('refuses the empty object Salt answers when nothing matched', () => {
    expect(LocalAsyncResult.safeParse({}).success).toBe(false);
  });
});
