import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_POLLER_SETTINGS,
  type JobInput,
  JobList,
  KeyList,
  MinionDetail,
  type MinionInsert,
  MinionList,
  toActivityItem,
} from '@halite/core';
import { createSqliteStore } from '@halite/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHaliteHandler, HttpErrorBody, type OpenApiDocument, type Principal } from '../src/index.js';
import { EventStreamReader } from './event-stream-reader.js';
import {
  createTestHalite,
  jidAt,
  jobStart,
  NOW,
  SEED,
  seedActivity,
  seedJobs,
  seedMinions,
  seedReturns,
  storeSnapshot,
  type TestHalite,
} from './seeded-halite.js';
import type { TestStoreKind } from './test-stores.js';

// ---- what the seed holds, in the API's terms ----

type Row = { id: string; status: string; key_status: string } & Record<
  'os' | 'os_family' | 'saltversion' | 'ip' | 'last_seen_at',
  string | null
>;
const fleet: Row[] = seedMinions().map((m: MinionInsert) => ({
  id: m.minionId,
  status: m.keyStatus === 'accepted' ? (m.isOnline ? 'online' : 'offline') : m.keyStatus,
  key_status: m.keyStatus,
  os: m.os ?? null,
  os_family: m.osFamily ?? null,
  saltversion: m.saltversion ?? null,
  ip: m.primaryIp ?? null,
  last_seen_at: (m.lastSeenAt as string | undefined) ?? null,
}));
const jobs: JobInput[] = seedJobs();
const returns = seedReturns(jobs);

const cmp = (a: string | number | null, b: string | number | null): number =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;
/** The Store's order: the column (NULL smallest), ties by the id, both in the requested direction. */
function sortedIds<T>(rows: readonly T[], key: (r: T) => string | null, id: (r: T) => string, order = 'asc') {
  const dir = order === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => dir * (cmp(key(a), key(b)) || cmp(id(a), id(b)))).map(id);
}
const idsOf = (rows: readonly Row[]) =>
  sortedIds(
    rows,
    (r) => r.id,
    (r) => r.id,
  );
const iso = (d: Date) => d.toISOString();

async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as T;
}

/** Asserts an error response: its status, code and (when given) the field its message names. */
async function expectError(res: Response, status: number, code: string, field?: string) {
  expect(res.status).toBe(status);
  const body = HttpErrorBody.parse(await json(res));
  expect(body.error.code).toBe(code);
  if (field !== undefined) {
    expect(body.error.message).toContain(field);
    const issues = (body.error.details as { issues: { path: string }[] }).issues;
    expect(issues.map((i) => i.path)).toContain(field);
  }
  return body.error;
}

const principal = (...permissions: string[]): Principal => ({
  id: 'u-1',
  name: 'alice',
  permissions,
  via: 'host',
});

describe('cached reads', () => {
  let t: TestHalite;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'halite-cache-'));
    const filename = join(dir, 'halite.sqlite');
    const kind: TestStoreKind = {
      name: 'sqlite',
      async open() {
        const store = await createSqliteStore({ filename });
        return { store, dispose: () => store.close() };
      },
    };
    t = await createTestHalite({ seed: true, store: kind });
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });
  const get = async (path: string) => json<Record<string, unknown>>(await t.request('GET', path));

  it('serves a write through the Store in the very next read of every cached page', async () => {
    const reads = ['/api/minions?id_prefix=web-000', '/api/minions/stats', '/api/keys?search=web-000'];
    const before = await Promise.all(reads.map(get));
    expect(await Promise.all(reads.map(get))).toEqual(before);
    await t.store.minions.reconcile({
      update: [{ minionId: 'web-000', os: 'Gentoo', keyStatus: 'rejected' }],
    });
    const [list, stats, keys] = await Promise.all(reads.map(get));
    expect(MinionList.parse(list).minions[0]).toMatchObject({
      id: 'web-000',
      os: 'Gentoo',
      status: 'rejected',
    });
    expect(stats).not.toEqual(before[1]);
    expect(KeyList.parse(keys).keys).toEqual([{ id: 'web-000', status: 'rejected' }]);

    const jobs = JobList.parse(await get('/api/jobs?limit=1')).total;
    await t.store.jobs.upsert([{ jid: '20991231235959000000', function: 'test.ping', startTime: NOW }]);
    expect(JobList.parse(await get('/api/jobs?limit=1')).total).toBe(jobs + 1);
  });

  it('serves identical reads one answer until the time limit, then reads the database again', async () => {
    const id = seedMinions()[5]?.minionId as string;
    const path = `/api/minions?id_prefix=${id}`;
    const first = await t.request('GET', path);
    expect(first.status).toBe(200);
    const text = await first.text();
    expect(MinionList.parse(JSON.parse(text)).minions.map((m) => m.id)).toEqual([id]);
    // A write the Store did not make (another process on the same file) is seen after the limit.
    const other = await createSqliteStore({ filename: join(dir, 'halite.sqlite') });
    try {
      await other.minions.reconcile({ update: [{ minionId: id, os: 'Plan 9' }] });
      expect(await (await t.request('GET', path)).text()).toBe(text);
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      expect(MinionList.parse(await get(path)).minions[0]?.os).toBe('Plan 9');
    } finally {
      await other.close();
    }
  });
});

describe('the HTTP API on a seeded SQLite store, Salt unconfigured', () => {
  let t: TestHalite;
  beforeAll(async () => {
    t = await createTestHalite({ seed: true });
  });
  afterAll(async () => {
    await t.close();
  });
  const get = (path: string, headers?: HeadersInit) => t.request('GET', path, headers ? { headers } : {});

  describe('GET /api/minions', () => {
    it('answers the first page of 50 by id, with the freshness of the data', async () => {
      const res = await get('/api/minions');
      expect(res.status).toBe(200);
      const body = MinionList.parse(await json(res));
      expect(body.total).toBe(120);
      expect(body.minions.map((m) => m.id)).toEqual(idsOf(fleet).slice(0, 50));
      expect(body.last_refreshed_at).toBe(SEED.presenceRefreshedAt);
      expect(body.is_stale).toBe(false);
      expect(body.refreshed).toEqual({
        keys: SEED.keysRefreshedAt,
        presence: SEED.presenceRefreshedAt,
        grains: SEED.grainsRefreshedAt,
      });
    });

    it('lists each minion without grains, in the documented shape', async () => {
      const body = MinionList.parse(await json(await get('/api/minions?search=web-000')));
      expect(body.minions).toHaveLength(1);
      const [item] = body.minions;
      expect(item).toEqual({
        id: 'web-000',
        status: 'online',
        key_status: 'accepted',
        ip: '10.0.0.10',
        os: 'Debian',
        os_family: 'Debian',
        osrelease: '12.5',
        kernel: 'Linux',
        kernelrelease: '6.1.0-18-amd64',
        virtual: 'physical',
        num_cpus: 2,
        mem_total: 2048,
        saltversion: '3006.9',
        first_seen_at: expect.any(String),
        last_seen_at: SEED.presenceRefreshedAt,
        grains_refreshed_at: SEED.grainsRefreshedAt,
      });
      expect(item).not.toHaveProperty('grains');
    });

    it.each([
      ['status=online', (r: Row) => r.status === 'online', 60],
      ['status=pending,denied', (r: Row) => r.status === 'pending' || r.status === 'denied', 30],
      ['status=offline&status=rejected', (r: Row) => r.status === 'offline' || r.status === 'rejected', 30],
      ['os_family=RedHat', (r: Row) => r.os_family === 'RedHat', 26],
      ['os=Windows,SUSE', (r: Row) => r.os === 'Windows' || r.os === 'SUSE', 26],
      ['saltversion=3007.1', (r: Row) => r.saltversion === '3007.1', 27],
      ['os_family=Debian&status=offline', (r: Row) => r.os_family === 'Debian' && r.status === 'offline', 8],
      ['search=WEB-01', (r: Row) => r.id.startsWith('web-01'), 2],
      ['search=10.0.0.2', (r: Row) => r.ip?.startsWith('10.0.0.2') === true, 10],
      ['search=%25', () => false, 0],
      ['search=_', () => false, 0],
      ['search=nothing-like-this', () => false, 0],
      ['id_prefix=web-01', (r: Row) => r.id.startsWith('web-01'), 2],
      [
        'id_prefix=db-',
        (r: Row) => r.id.startsWith('db-'),
        fleet.filter((r) => r.id.startsWith('db-')).length,
      ],
      ['id_prefix=WEB-01', () => false, 0],
      [
        'id_prefix=web-0&status=online',
        (r: Row) => r.id.startsWith('web-0') && r.status === 'online',
        fleet.filter((r) => r.id.startsWith('web-0') && r.status === 'online').length,
      ],
    ])('filters with ?%s', async (query, keep, expected) => {
      const body = MinionList.parse(await json(await get(`/api/minions?${query}&limit=1000`)));
      const want = fleet.filter(keep);
      expect(want).toHaveLength(expected);
      expect(body.total).toBe(expected);
      expect(body.minions.map((m) => m.id)).toEqual(idsOf(want));
    });

    const seeded = seedMinions();
    const grainsOf = (m: MinionInsert) => (m.grains ?? {}) as Record<string, unknown>;
    it.each([
      ['grain=os_family:RedHat', (m: MinionInsert) => grainsOf(m).os_family === 'RedHat'],
      ['grain=os_family:redhat', (m: MinionInsert) => grainsOf(m).os_family === 'RedHat'],
      ['grain=ipv4:10.0.0.1*', (m: MinionInsert) => m.primaryIp?.startsWith('10.0.0.1') === true],
      ['grain=num_cpus:9', (m: MinionInsert) => grainsOf(m).num_cpus === 9],
      [
        'grain=os_family:Debian&grain=virtual:physical',
        (m: MinionInsert) => grainsOf(m).os_family === 'Debian' && grainsOf(m).virtual === 'physical',
      ],
      [
        'grain=fqdn:*.example.internal&status=offline',
        (m: MinionInsert) => m.isOnline === false && !!m.grains,
      ],
      ['grain=no_such_grain:*', () => false],
    ])('filters by grain with ?%s', async (query, keep) => {
      const body = MinionList.parse(await json(await get(`/api/minions?${query}&limit=1000`)));
      const want = seeded.filter(keep).map((m) => m.minionId);
      expect(want.length > 0 || query.includes('no_such')).toBe(true);
      expect(body.total).toBe(want.length);
      expect(body.minions.map((m) => m.id)).toEqual([...want].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });

    const columns: Record<string, (r: Row) => string | null> = {
      id: (r) => r.id,
      os: (r) => r.os,
      os_family: (r) => r.os_family,
      saltversion: (r) => r.saltversion,
      ip: (r) => r.ip,
      last_seen: (r) => r.last_seen_at,
    };
    it.each(
      Object.keys(columns).flatMap((sort) => [
        [sort, 'asc'],
        [sort, 'desc'],
      ]),
    )('sorts by %s %s, NULLs lowest, ties by id', async (sort, order) => {
      const body = MinionList.parse(
        await json(await get(`/api/minions?sort=${sort}&order=${order}&limit=1000`)),
      );
      expect(body.minions.map((m) => m.id)).toEqual(
        sortedIds(fleet, columns[sort] as (r: Row) => string | null, (r) => r.id, order),
      );
    });

    it.each([
      ['offset=500', 0, 0],
      ['offset=120', 0, 0],
      ['offset=119&limit=5', 119, 1],
      ['limit=1', 0, 1],
      ['limit=1000', 0, 120],
      ['offset=50&limit=50', 50, 50],
    ])('pages with ?%s', async (query, from, count) => {
      const body = MinionList.parse(await json(await get(`/api/minions?${query}`)));
      expect(body.total).toBe(120);
      expect(body.minions.map((m) => m.id)).toEqual(idsOf(fleet).slice(from, from + count));
    });

    it.each([
      ['limit=0', 'query.limit'],
      ['limit=1001', 'query.limit'],
      ['limit=1.5', 'query.limit'],
      ['limit=ten', 'query.limit'],
      ['offset=-1', 'query.offset'],
      ['sort=grains', 'query.sort'],
      ['order=up', 'query.order'],
      ['status=sleeping', 'query.status[0]'],
      ['colour=blue', 'query.colour'],
      ['id_prefix=', 'query.id_prefix'],
      [`id_prefix=${'w'.repeat(256)}`, 'query.id_prefix'],
      ['grain=os_family', 'query.grain[0]'],
      ['grain=os:Debian&grain=:x', 'query.grain[1]'],
      ['grain=*:Debian', 'query.grain[0]'],
      [`grain=${'a'.repeat(513)}:b`, 'query.grain[0]'],
      [Array.from({ length: 9 }, () => 'grain=a:b').join('&'), 'query.grain'],
    ])('refuses ?%s with a 400 naming %s', async (query, field) => {
      await expectError(await get(`/api/minions?${query}`), 400, 'invalid_input', field);
    });
  });

  describe('GET /api/minions/stats and /api/minions/:minion_id', () => {
    it('counts minions by status, OS family and Salt version, largest first', async () => {
      const res = await get('/api/minions/stats');
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.total).toBe(120);
      expect(body.by_status).toEqual([
        { value: 'online', count: 60 },
        { value: 'offline', count: 20 },
        { value: 'pending', count: 20 },
        { value: 'denied', count: 10 },
        { value: 'rejected', count: 10 },
      ]);
      expect(body.by_os_family).toEqual([
        { value: null, count: 40 },
        { value: 'Debian', count: 28 },
        { value: 'RedHat', count: 26 },
        { value: 'Suse', count: 13 },
        { value: 'Windows', count: 13 },
      ]);
      expect(body.by_saltversion).toEqual([
        { value: null, count: 40 },
        { value: '3006.9', count: 27 },
        { value: '3007.1', count: 27 },
        { value: '3005.5', count: 26 },
      ]);
      expect(body.is_stale).toBe(false);
    });

    it('answers one minion with its grains', async () => {
      const res = await get('/api/minions/db-001');
      expect(res.status).toBe(200);
      const body = MinionDetail.parse(await json(res));
      expect(body).toMatchObject({ id: 'db-001', status: 'online', os: 'Ubuntu', ip: '10.0.0.11' });
      expect(body.grains).toMatchObject({ id: 'db-001', os: 'Ubuntu', fqdn: 'db-001.example.internal' });
      expect(body.last_refreshed_at).toBe(SEED.presenceRefreshedAt);
    });

    it('answers a minion whose key is pending, with no grains yet', async () => {
      const body = MinionDetail.parse(await json(await get('/api/minions/app-083')));
      expect(body).toMatchObject({ id: 'app-083', status: 'pending', key_status: 'pending', grains: null });
    });

    it('decodes the minion id from the path', async () => {
      const body = MinionDetail.parse(await json(await get('/api/minions/web%2D000')));
      expect(body.id).toBe('web-000');
    });

    it('answers 404 "Minion not found" for an unknown minion', async () => {
      const error = await expectError(await get('/api/minions/no-such-minion'), 404, 'not_found');
      expect(error.message).toBe('Minion not found');
      expect(error.details).toEqual({ minion_id: 'no-such-minion' });
    });
  });

  describe('GET /api/keys', () => {
    const byState = (state: string) => idsOf(fleet.filter((r) => r.key_status === state));

    it('lists every key, pending first, then accepted, rejected, denied, with counts', async () => {
      const res = await get('/api/keys');
      expect(res.status).toBe(200);
      const body = KeyList.parse(await json(res));
      expect(body.total).toBe(120);
      expect(body.counts).toEqual({ accepted: 80, pending: 20, rejected: 10, denied: 10 });
      expect(body.refreshed_at).toBe(SEED.keysRefreshedAt);
      expect(body.keys.map((k) => k.id)).toEqual([
        ...byState('pending'),
        ...byState('accepted'),
        ...byState('rejected'),
        ...byState('denied'),
      ]);
      expect(body.keys[0]).toEqual({ id: byState('pending')[0], status: 'pending' });
    });

    it('filters by state and by a substring of the id', async () => {
      const states = KeyList.parse(await json(await get('/api/keys?status=denied,rejected')));
      expect(states.total).toBe(20);
      expect(states.keys.map((k) => k.id)).toEqual([...byState('rejected'), ...byState('denied')]);
      const search = KeyList.parse(await json(await get('/api/keys?search=cache-1')));
      const want = fleet.filter((r) => r.id.startsWith('cache-1'));
      expect(search.total).toBe(want.length);
      expect(search.counts.pending + search.counts.rejected + search.counts.denied).toBe(want.length);
    });

    it('pages across the state boundary, and past the end', async () => {
      const page = KeyList.parse(await json(await get('/api/keys?offset=15&limit=10')));
      expect(page.keys.map((k) => k.id)).toEqual([
        ...byState('pending').slice(15),
        ...byState('accepted').slice(0, 5),
      ]);
      const one = KeyList.parse(await json(await get('/api/keys?limit=1')));
      expect(one.keys).toHaveLength(1);
      const past = KeyList.parse(await json(await get('/api/keys?offset=120')));
      expect(past).toMatchObject({ total: 120, keys: [] });
    });

    it('refuses a page larger than 1000', async () => {
      await expectError(await get('/api/keys?limit=1001'), 400, 'invalid_input', 'query.limit');
    });
  });

  describe('GET /api/jobs', () => {
    type J = { jid: string; function: string; user: string; start: string };
    const index: J[] = jobs.map((j) => ({
      jid: j.jid,
      function: j.function,
      user: j.user ?? '',
      start: iso(j.startTime as Date),
    }));
    const newest = (rows: readonly J[]) =>
      sortedIds(
        rows,
        (r) => r.start,
        (r) => r.jid,
        'desc',
      );

    it('lists the newest 50 jobs first, with when the poller last ran', async () => {
      const res = await get('/api/jobs');
      expect(res.status).toBe(200);
      const body = JobList.parse(await json(res));
      expect(body.total).toBe(300);
      expect(body.jobs.map((j) => j.jid)).toEqual(newest(index).slice(0, 50));
      expect(body.last_polled_at).toBe(iso(new Date(NOW.getTime() - 30_000)));
      expect(body.jobs[0]).toEqual({
        jid: jidAt(jobStart(0), 0),
        function: 'test.ping',
        target: 'web-000,db-001',
        target_type: 'list',
        user: 'root',
        initiator: null,
        start_time: iso(jobStart(0)),
        end_time: null,
        status: 'running',
        minion_count: 3,
        returned_count: 1,
        success_count: 1,
        failure_count: 0,
      });
      const failed = body.jobs.find((j) => j.jid === jidAt(jobStart(15), 15));
      expect(failed).toMatchObject({
        status: 'finished',
        returned_count: 3,
        success_count: 2,
        failure_count: 1,
      });
    });

    const seedIndex = (j: J) => jobs.findIndex((x) => x.jid === j.jid);
    const returnedBy = (minion: string) =>
      new Set(returns.filter((r) => r.minionId === minion).map((r) => r.jid));
    it.each([
      ['function=test.ping', (j: J) => j.function === 'test.ping'],
      ['function=cmd.run,pkg.upgrade', (j: J) => j.function === 'cmd.run' || j.function === 'pkg.upgrade'],
      ['user=alice', (j: J) => j.user === 'alice'],
      ['status=running', (j: J) => jobs.findIndex((x) => x.jid === j.jid) < SEED.runningJobs],
      ['status=finished', (j: J) => jobs.findIndex((x) => x.jid === j.jid) >= SEED.runningJobs],
      ['outcome=running', (j: J) => seedIndex(j) < SEED.runningJobs],
      ['outcome=failed', (j: J) => seedIndex(j) >= SEED.runningJobs && seedIndex(j) % 10 === 5],
      ['outcome=succeeded', (j: J) => seedIndex(j) >= SEED.runningJobs && seedIndex(j) % 10 !== 5],
      ['outcome=no_returns', () => false],
      ['outcome=failed,running', (j: J) => seedIndex(j) < SEED.runningJobs || seedIndex(j) % 10 === 5],
      [
        'outcome=succeeded&function=test.ping',
        (j: J) => j.function === 'test.ping' && seedIndex(j) >= SEED.runningJobs && seedIndex(j) % 10 !== 5,
      ],
      ['minion_id=web-000', (j: J) => returnedBy('web-000').has(j.jid)],
      ['search=PKG.UP', (j: J) => j.function === 'pkg.upgrade'],
      ['search=%25', () => false],
      ['search=_', () => false],
      [
        `since=${iso(jobStart(9))}&until=${iso(jobStart(4))}`,
        (j: J) => j.start >= iso(jobStart(9)) && j.start < iso(jobStart(4)),
      ],
      [
        // The same instant written with an offset.
        'since=2025-06-15T13:00:00%2B02:00',
        (j: J) => j.start >= '2025-06-15T11:00:00.000Z',
      ],
    ])('filters with ?%s', async (query, keep) => {
      const body = JobList.parse(await json(await get(`/api/jobs?${query}&limit=1000`)));
      const want = index.filter(keep);
      expect(body.total).toBe(want.length);
      expect(body.jobs.map((j) => j.jid)).toEqual(newest(want));
    });

    it.each([
      ['function', 'asc'],
      ['user', 'desc'],
      ['jid', 'asc'],
      ['start_time', 'asc'],
    ])('sorts by %s %s, ties by jid', async (sort, order) => {
      const body = JobList.parse(await json(await get(`/api/jobs?sort=${sort}&order=${order}&limit=1000`)));
      const key = {
        function: (j: J) => j.function,
        user: (j: J) => j.user,
        jid: (j: J) => j.jid,
        start_time: (j: J) => j.start,
      }[sort] as (j: J) => string;
      expect(body.jobs.map((j) => j.jid)).toEqual(sortedIds(index, key, (j) => j.jid, order));
    });

    it.each([
      ['offset=300', 0],
      ['offset=299', 1],
      ['limit=1', 1],
      ['limit=1000', 300],
    ])('pages with ?%s', async (query, count) => {
      const body = JobList.parse(await json(await get(`/api/jobs?${query}`)));
      expect(body.total).toBe(300);
      expect(body.jobs).toHaveLength(count);
    });

    it.each([
      ['since=yesterday', 'query.since'],
      ['since=2025-06-15T10:00:00', 'query.since'],
      ['status=done', 'query.status'],
      ['outcome=broken', 'query.outcome[0]'],
      ['outcome=failed,ok', 'query.outcome[1]'],
      ['sort=target', 'query.sort'],
      ['limit=1001', 'query.limit'],
      ['jid=1', 'query.jid'],
    ])('refuses ?%s with a 400 naming %s', async (query, field) => {
      await expectError(await get(`/api/jobs?${query}`), 400, 'invalid_input', field);
    });

    // [core fix pending] JobsQuery takes any ISO date-time, the Store only years 1–9999 (UTC):
    // these answer 500 store_error until core's schema refuses what the Store cannot hold.
    it.each([
      ['since=0000-01-01T00:00:00Z', 'query.since'],
      ['since=0001-01-01T00:00:00%2B01:00', 'query.since'],
      ['until=9999-12-31T23:59:59-05:00', 'query.until'],
    ])(
      '[core fix pending] refuses ?%s, a time the Store cannot hold, with a 400 naming %s',
      async (query, field) => {
        await expectError(await get(`/api/jobs?${query}`), 400, 'invalid_input', field);
      },
    );
  });

  describe('GET /api/jobs/activity', () => {
    const hourly = (hours: number) => {
      const end = new Date(NOW);
      end.setUTCMinutes(0, 0, 0);
      end.setUTCHours(end.getUTCHours() + 1);
      return Array.from({ length: hours }, (_, i) => {
        const start = new Date(end.getTime() - (hours - i) * 3_600_000);
        const stop = start.getTime() + 3_600_000;
        const count = jobs.filter((j) => {
          const at = (j.startTime as Date).getTime();
          return at >= start.getTime() && at < stop;
        }).length;
        return { hour_start: iso(start), count };
      });
    };

    it('counts jobs per hour over the last 24 hours, oldest first, empty hours included', async () => {
      const res = await get('/api/jobs/activity');
      expect(res.status).toBe(200);
      const body = await json(res);
      const buckets = hourly(24);
      expect(body).toEqual({
        hours: 24,
        buckets,
        total: buckets.reduce((n, b) => n + b.count, 0),
        running: 10,
        last_polled_at: iso(new Date(NOW.getTime() - 30_000)),
      });
      expect(buckets[0]?.hour_start).toBe('2025-06-14T13:00:00.000Z');
      expect(buckets.at(-1)?.hour_start).toBe('2025-06-15T12:00:00.000Z');
    });

    it('covers up to a week, with the hours before the first job at zero', async () => {
      const body = await json<{ buckets: { hour_start: string; count: number }[]; total: number }>(
        await get('/api/jobs/activity?hours=168'),
      );
      expect(body.buckets).toHaveLength(168);
      expect(body.buckets).toEqual(hourly(168));
      expect(body.buckets[0]?.count).toBe(0);
      expect(body.total).toBe(300);
    });

    it.each(['hours=0', 'hours=169', 'hours=1.5', 'hours=day'])('refuses ?%s', async (query) => {
      await expectError(await get(`/api/jobs/activity?${query}`), 400, 'invalid_input', 'query.hours');
    });
  });

  describe('GET /api/jobs/:jid', () => {
    const n = 15;
    const jid = jidAt(jobStart(n), n);
    const mine = returns.filter((r) => r.jid === jid).sort((a, b) => cmp(a.minionId, b.minionId));

    it('answers a job from the Store with its per-minion results, by minion id', async () => {
      const res = await get(`/api/jobs/${jid}`);
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body).toMatchObject({
        jid,
        function: 'test.ping',
        source: 'store',
        status: 'finished',
        arguments: [],
        metadata: null,
        results_total: 3,
      });
      expect(body.results).toEqual(
        mine.map((r) => ({
          minion: r.minionId,
          success: r.success,
          retcode: r.retcode,
          return_value: r.return,
          truncated: false,
          returned_at: iso(r.returnedAt as Date),
        })),
      );
    });

    it('pages the results', async () => {
      const second = await json<{ results: { minion: string }[]; results_total: number }>(
        await get(`/api/jobs/${jid}?limit=1&offset=1`),
      );
      expect(second.results.map((r) => r.minion)).toEqual([mine[1]?.minionId]);
      const past = await json<{ results: unknown[]; results_total: number }>(
        await get(`/api/jobs/${jid}?offset=10`),
      );
      expect(past).toMatchObject({ results: [], results_total: 3 });
    });

    it('answers 503 salt_unconfigured for a jid the Store lacks: the live lookup needs Salt', async () => {
      await expectError(await get('/api/jobs/20990101000000000000'), 503, 'salt_unconfigured');
    });

    it('refuses a jid that is not 20 digits', async () => {
      await expectError(await get('/api/jobs/12345'), 400, 'invalid_input', 'params.jid');
    });
  });

  describe('GET /api/activity', () => {
    const events = seedActivity(); // oldest first, ids 1…200
    const ids = (keep: (e: (typeof events)[number]) => boolean) =>
      events
        .map((e, i) => ({ e, id: i + 1 }))
        .filter(({ e }) => keep(e))
        .map(({ id }) => id)
        .reverse();

    it('answers the newest 100 events, in the documented shape', async () => {
      const res = await get('/api/activity');
      expect(res.status).toBe(200);
      const body = await json<{ total: number; events: Record<string, unknown>[] }>(res);
      expect(body.total).toBe(200);
      expect(body.events.map((e) => e.id)).toEqual(ids(() => true).slice(0, 100));
      expect(body.events[0]).toEqual({
        id: 200,
        ts: iso(new Date(NOW.getTime() - 60_000)),
        category: 'job',
        event_type: 'job.new',
        minion_id: 'web-000',
        jid: jidAt(new Date(NOW.getTime() - 60_000), 0),
        fun: 'state.apply',
        success: null,
        changed: null,
        initiator: 'root',
        target: 'web-000',
        duration_ms: null,
        summary: 'job.new on web-000 (#0)',
      });
    });

    it.each([
      ['category=key', (e: (typeof events)[number]) => e.category === 'key'],
      ['category=job,minion', (e: (typeof events)[number]) => e.category !== 'key'],
      ['event_type=job.ret', (e: (typeof events)[number]) => e.eventType === 'job.ret'],
      ['minion_id=web-000', (e: (typeof events)[number]) => e.minionId === 'web-000'],
      [
        `jid=${jidAt(new Date(NOW.getTime() - 60_000), 0)}`,
        (e: (typeof events)[number]) => e.summary.endsWith('(#0)'),
      ],
      ['search=(%2317)', (e: (typeof events)[number]) => e.summary.endsWith('(#17)')],
      ['hide_dispatch=true', (e: (typeof events)[number]) => e.eventType !== 'job.new'],
      [
        'hide_routine=true',
        (e: (typeof events)[number]) =>
          !(e.eventType === 'job.ret' && e.success === true && e.changed !== true),
      ],
      [
        'since_minutes=30',
        (e: (typeof events)[number]) => (e.occurredAt as Date).getTime() >= NOW.getTime() - 30 * 60_000,
      ],
    ])('filters with ?%s', async (query, keep) => {
      const body = await json<{ total: number; events: { id: number }[] }>(
        await get(`/api/activity?${query}&limit=500`),
      );
      const want = ids(keep);
      expect(want.length).toBeGreaterThan(0);
      expect(body.total).toBe(want.length);
      expect(body.events.map((e) => e.id)).toEqual(want);
    });

    it('pages: limit 1, limit 500, past the end', async () => {
      const one = await json<{ events: { id: number }[] }>(await get('/api/activity?limit=1'));
      expect(one.events.map((e) => e.id)).toEqual([200]);
      const all = await json<{ events: unknown[] }>(await get('/api/activity?limit=500'));
      expect(all.events).toHaveLength(200);
      const past = await json(await get('/api/activity?offset=200'));
      expect(past).toEqual({ total: 200, events: [] });
    });

    it.each([
      ['limit=501', 'query.limit'],
      ['since_minutes=0', 'query.since_minutes'],
      ['since_minutes=10081', 'query.since_minutes'],
      ['category=audit', 'query.category[0]'],
      ['hide_routine=maybe', 'query.hide_routine'],
      ['jid=123', 'query.jid'],
    ])('refuses ?%s with a 400 naming %s', async (query, field) => {
      await expectError(await get(`/api/activity?${query}`), 400, 'invalid_input', field);
    });
  });

  describe('actions with Salt unconfigured', () => {
    it.each([
      ['POST', '/api/keys/app-083/accept', undefined],
      ['POST', '/api/keys/web-000/reject', undefined],
      ['DELETE', '/api/keys/web-000', undefined],
      ['POST', `/api/jobs/${jidAt(jobStart(0), 0)}/kill`, undefined],
      ['POST', '/api/run', { tgt: '*', fun: 'test.ping' }],
      ['POST', '/api/run', { tgt: ['web-000', 'db-001'], tgt_type: 'list', fun: 'cmd.run', arg: ['uptime'] }],
    ])('%s %s answers 503 salt_unconfigured and changes nothing', async (method, path, body) => {
      const before = await storeSnapshot(t.store);
      const res = await t.request(method, path, body === undefined ? {} : { body });
      const error = await expectError(res, 503, 'salt_unconfigured');
      expect(error.message).toMatch(/not configured/);
      expect(error.details).toEqual({ missing: ['salt.url', 'salt.username', 'salt.password'] });
      expect(await storeSnapshot(t.store)).toEqual(before);
    });

    it('refuses a key id with glob characters before anything else (400, not 503)', async () => {
      await expectError(
        await t.request('POST', '/api/keys/web-*/accept'),
        400,
        'invalid_input',
        'params.key_id',
      );
    });
  });

  describe('system routes', () => {
    it('GET /healthz answers {"status":"ok"}', async () => {
      const res = await get('/healthz');
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ status: 'ok' });
      const head = await t.request('HEAD', '/healthz');
      expect(head.status).toBe(200);
      expect(head.body).toBeNull();
    });

    it('GET /readyz answers 200 degraded: the database is fine, Salt is not configured', async () => {
      const res = await get('/readyz');
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ status: 'degraded', checks: { db: 'ok', salt: 'unconfigured' } });
    });

    it('GET /api/admin/status shows the runtime: unconfigured, only the retention task, no consumer', async () => {
      const body = await json(await get('/api/admin/status'));
      expect(body).toEqual({
        salt: {
          state: 'unconfigured',
          missing: ['salt.url', 'salt.username', 'salt.password'],
          detail: expect.stringContaining('not configured'),
          url: null,
          username: null,
          connected_at: null,
          last_ok_at: null,
          last_error_at: null,
        },
        // Retention needs only the Store, so it runs even with Salt unconfigured.
        pollers: [expect.objectContaining({ name: 'retention', enabled: true, runs: 0 })],
        event_stream: null,
      });
    });

    it('GET /api/admin/settings/status tells the setup wizard what is missing', async () => {
      expect(await json(await get('/api/admin/settings/status'))).toEqual({
        configured: false,
        missing: ['salt.url', 'salt.username', 'salt.password'],
        detail: expect.stringContaining('not configured'),
      });
    });
  });

  describe('GET /api/openapi.json', () => {
    let doc: OpenApiDocument;
    beforeAll(async () => {
      doc = await json<OpenApiDocument>(await get('/api/openapi.json'));
    });

    it('lists every route with its x-permission', () => {
      const listed = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op['x-permission']]),
      );
      expect(Object.fromEntries(listed)).toEqual({
        'GET /healthz': 'public',
        'GET /api/openapi.json': 'public',
        'GET /readyz': 'public',
        'GET /api/minions': 'view:minion:*',
        'GET /api/minions/stats': 'view:minion:*',
        'GET /api/minions/{minion_id}': 'view:minion:{minion_id}',
        'GET /api/keys': 'view:key:*',
        'POST /api/keys/{key_id}/accept': 'accept:key:{key_id}',
        'POST /api/keys/{key_id}/reject': 'reject:key:{key_id}',
        'DELETE /api/keys/{key_id}': 'delete:key:{key_id}',
        'GET /api/jobs': 'view:job:*',
        'GET /api/jobs/activity': 'view:job:*',
        'GET /api/jobs/{jid}': 'view:job:{jid}',
        'POST /api/jobs/{jid}/kill': 'kill:job:{jid}',
        'POST /api/run': 'execute:salt:{fun}',
        'GET /api/salt/functions': 'authenticated',
        'GET /api/activity': 'authenticated',
        'GET /api/activity/stream': 'authenticated',
        'GET /api/admin/settings/status': 'authenticated',
        'GET /api/admin/settings': 'edit:settings:*',
        'PUT /api/admin/settings/salt': 'edit:settings:*',
        'PUT /api/admin/settings/pollers': 'edit:settings:*',
        'POST /api/admin/settings/test-salt': 'edit:settings:*',
        'POST /api/admin/settings/test-salt-saved': 'edit:settings:*',
        'GET /api/admin/status': 'edit:settings:*',
        'POST /api/auth/login': 'public',
        'POST /api/auth/logout': 'authenticated',
        'GET /api/auth/me': 'authenticated',
        'POST /api/auth/change-password': 'authenticated',
        'GET /api/users': 'view:user:*',
        'POST /api/users': 'manage_user:user:*',
        'GET /api/users/{user_id}': 'view:user:*',
        'PATCH /api/users/{user_id}': 'manage_user:user:*',
        'DELETE /api/users/{user_id}': 'manage_user:user:*',
        'POST /api/users/{user_id}/password': 'manage_user:user:*',
        'GET /api/users/{user_id}/roles': 'view:user:*',
        'POST /api/users/{user_id}/roles': 'manage_user:user:*',
        'DELETE /api/users/{user_id}/roles/{role_id}': 'manage_user:user:*',
        'GET /api/roles': 'view:role:*',
        'POST /api/roles': 'manage_role:role:*',
        'GET /api/roles/{role_id}': 'view:role:*',
        'PATCH /api/roles/{role_id}': 'manage_role:role:*',
        'DELETE /api/roles/{role_id}': 'manage_role:role:*',
        'POST /api/roles/{role_id}/permissions': 'manage_role:role:*',
        'DELETE /api/roles/{role_id}/permissions/{permission_id}': 'manage_role:role:*',
        'GET /api/tokens': 'authenticated',
        'POST /api/tokens': 'authenticated',
        'DELETE /api/tokens/{token_id}': 'authenticated',
        'GET /api/audit': 'view:audit:*',
      });
    });

    /** A valid value for a documented query parameter, by route and name. */
    const routeSamples: Record<string, Record<string, string>> = {
      '/api/keys': { status: 'pending' },
      '/api/jobs': { status: 'running', sort: 'jid' },
      '/api/audit': {
        user_id: 'u1',
        action: 'salt.run',
        decision: 'deny',
        format: 'csv',
        client_address: '192.0.2.1',
      },
    };
    const sampleFor = (path: string, name: string): string | undefined =>
      routeSamples[path]?.[name] ?? samples[name];
    const samples: Record<string, string> = {
      limit: '7',
      offset: '3',
      search: 'web',
      status: 'online',
      os_family: 'Debian',
      os: 'Debian',
      saltversion: '3006.9',
      sort: 'id',
      order: 'desc',
      function: 'test.ping',
      user: 'root',
      minion_id: 'web-000',
      since: '2025-06-15T00:00:00Z',
      until: '2025-06-16T00:00:00Z',
      hours: '12',
      category: 'job',
      event_type: 'job.ret',
      jid: jidAt(jobStart(0), 0),
      hide_routine: 'true',
      hide_dispatch: 'false',
      since_minutes: '60',
      grain: 'os_family:Debian',
      outcome: 'failed',
      id_prefix: 'web-0',
      initiator: 'alice',
    };
    const concrete = (path: string) =>
      path
        .replace('{minion_id}', 'web-000')
        .replace('{jid}', jidAt(jobStart(15), 15))
        .replace('{key_id}', 'web-000')
        .replace('{user_id}', 'no-such-user')
        .replace('{role_id}', 'no-such-role')
        .replace('{permission_id}', 'no-such-permission')
        .replace('{token_id}', 'no-such-token');
    const queryRoutes = () =>
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([method]) => method === 'get' && path !== '/api/activity/stream')
          .map(([, op]) => ({ path, params: (op.parameters ?? []).filter((p) => p.in === 'query') })),
      );

    it('documents only query parameters each route accepts (each alone answers 200)', async () => {
      for (const { path, params } of queryRoutes()) {
        for (const param of params) {
          const sample = sampleFor(path, param.name);
          expect(sample, `no sample value for ${path} ?${param.name}`).toBeDefined();
          const res = await get(`${concrete(path)}?${param.name}=${encodeURIComponent(sample as string)}`);
          expect(res.status, `${path}?${param.name}`).toBe(200);
          await res.body?.cancel();
        }
      }
    });

    it('documents every query parameter a route accepts (an undocumented one is a 400 on /api routes)', async () => {
      for (const { path } of queryRoutes()) {
        const res = await get(`${concrete(path)}?not_documented=1`);
        if (path === '/healthz' || path === '/readyz' || path === '/api/openapi.json') {
          // Probes and the document ignore the query string (load balancers, cache busters).
          expect(res.status, path).toBe(200);
          await res.body?.cancel();
          continue;
        }
        await expectError(res, 400, 'invalid_input', 'query.not_documented');
      }
    });

    it('marks required query parameters: none of the list filters is required', () => {
      for (const { params } of queryRoutes()) for (const p of params) expect(p.required).toBe(false);
    });
  });

  describe('permissions (an authenticate hook supplies the principal)', () => {
    const handlerFor = (p: Principal | null) =>
      createHaliteHandler(t.halite, { authenticate: async () => p });
    const send = (p: Principal | null, method: string, path: string, body?: unknown) =>
      handlerFor(p)(
        new Request(`http://halite.test${path}`, {
          method,
          ...(body === undefined
            ? {}
            : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        }),
      );

    it('with only view:minion:*, minions are readable and jobs and run are forbidden', async () => {
      const viewer = principal('view:minion:*');
      expect((await send(viewer, 'GET', '/api/minions')).status).toBe(200);
      expect((await send(viewer, 'GET', '/api/minions/web-000')).status).toBe(200);
      const jobsError = await expectError(await send(viewer, 'GET', '/api/jobs'), 403, 'forbidden');
      expect(jobsError.details).toEqual({ permission: 'view:job:*' });
      const runError = await expectError(
        await send(viewer, 'POST', '/api/run', { tgt: '*', fun: 'test.ping' }),
        403,
        'forbidden',
      );
      expect(runError.details).toEqual({ permission: 'execute:salt:test.ping' });
      await expectError(await send(viewer, 'GET', '/api/admin/settings'), 403, 'forbidden');
      await expectError(await send(viewer, 'POST', '/api/keys/app-083/accept'), 403, 'forbidden');
    });

    it('with only view:minion:*, the activity feed holds minion events only', async () => {
      const body = await json<{ total: number; events: { category: string }[] }>(
        await send(principal('view:minion:*'), 'GET', '/api/activity?limit=500'),
      );
      expect(body.total).toBe(40);
      expect(new Set(body.events.map((e) => e.category))).toEqual(new Set(['minion']));
      const asked = await json(await send(principal('view:minion:*'), 'GET', '/api/activity?category=job'));
      expect(asked).toEqual({ total: 0, events: [] });
    });

    it('without any view permission, the activity feed and its stream are forbidden', async () => {
      await expectError(await send(principal('kill:job:*'), 'GET', '/api/activity'), 403, 'forbidden');
      await expectError(await send(principal('kill:job:*'), 'GET', '/api/activity/stream'), 403, 'forbidden');
    });

    it('with execute:salt:test.*, test.ping passes the check (then 503) and cmd.run is forbidden', async () => {
      const runner = principal('execute:salt:test.*');
      await expectError(
        await send(runner, 'POST', '/api/run', { tgt: '*', fun: 'test.ping' }),
        503,
        'salt_unconfigured',
      );
      const error = await expectError(
        await send(runner, 'POST', '/api/run', { tgt: '*', fun: 'cmd.run', arg: ['id'] }),
        403,
        'forbidden',
      );
      expect(error.details).toEqual({ permission: 'execute:salt:cmd.run' });
    });

    it('derives per-object permissions: view:minion:web-* sees web-000 but not db-001', async () => {
      const scoped = principal('view:minion:web-*');
      expect((await send(scoped, 'GET', '/api/minions/web-000')).status).toBe(200);
      await expectError(await send(scoped, 'GET', '/api/minions/db-001'), 403, 'forbidden');
    });

    it('answers 401 to nobody on every non-public route, and serves the public ones', async () => {
      await expectError(await send(null, 'GET', '/api/minions'), 401, 'unauthorized');
      await expectError(await send(null, 'GET', '/api/admin/settings/status'), 401, 'unauthorized');
      expect((await send(null, 'GET', '/healthz')).status).toBe(200);
      expect((await send(null, 'GET', '/readyz')).status).toBe(200);
      expect((await send(null, 'GET', '/api/openapi.json')).status).toBe(200);
    });
  });
});

describe('GET /api/activity/stream', () => {
  let t: TestHalite;
  beforeAll(async () => {
    t = await createTestHalite({ seed: true });
  });
  afterAll(async () => {
    await t.close();
  });
  const streams: AbortController[] = [];
  afterAll(() => {
    for (const s of streams) s.abort();
  });

  /** Opens the stream; the returned controller is the client going away. */
  async function open(headers: HeadersInit = {}, handler = t.handler) {
    const abort = new AbortController();
    streams.push(abort);
    const res = await handler(
      new Request('http://halite.test/api/activity/stream', { headers, signal: abort.signal }),
    );
    return { res, abort, reader: res.status === 200 && res.body ? new EventStreamReader(res.body) : null };
  }
  /** Persists, then publishes: what the event consumer does. */
  async function publish(count: number, from: number) {
    const stored = await t.store.activity.insert(seedActivity(count, from));
    t.halite.hub.publish(stored);
    return stored;
  }

  it('answers 503 while the event stream is disabled in the settings', async () => {
    const { res } = await open();
    const error = await expectError(res, 503, 'salt_unconfigured');
    expect(error.message).toMatch(/event stream is not enabled/i);
  });

  it('streams once PUT /api/admin/settings/pollers enables it: headers and first bytes at once', async () => {
    const put = await t.request('PUT', '/api/admin/settings/pollers', {
      body: { event_stream_enabled: true },
    });
    expect(put.status).toBe(200);
    expect(
      (await json<{ pollers: { event_stream_enabled: boolean } }>(put)).pollers.event_stream_enabled,
    ).toBe(true);

    const { res, abort, reader } = await open();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    // Nothing published yet, and the seed was never published: only the greeting arrives.
    expect(await reader?.next()).toEqual({ comment: 'connected', retry: '2000' });
    abort.abort();
  });

  it('delivers events published through the hub, each with its Store id as id:', async () => {
    const { abort, reader } = await open();
    await reader?.next(); // greeting
    const published = await publish(3, 1000);
    const frames = (await reader?.events(3)) ?? [];
    expect(frames.map((f) => Number(f.id))).toEqual(published.map((e) => e.id));
    expect(frames.map((f) => JSON.parse(f.data ?? 'null'))).toEqual(published.map(toActivityItem));
    abort.abort();
  });

  it('replays the ring to a new subscriber without Last-Event-ID', async () => {
    const latest = (await t.store.activity.latestId()) as number;
    const { abort, reader } = await open();
    const frames = (await reader?.events(3)) ?? [];
    // The ring holds what was published (the 3 events above), not the seed that never was.
    expect(frames.map((f) => Number(f.id))).toEqual([latest - 2, latest - 1, latest]);
    abort.abort();
  });

  it('honours Last-Event-ID: exactly the events after it (from the Store), then live ones', async () => {
    const latest = (await t.store.activity.latestId()) as number;
    const { abort, reader } = await open({ 'last-event-id': '198' });
    const missed = (await reader?.events(latest - 198)) ?? [];
    expect(missed.map((f) => Number(f.id))).toEqual(Array.from({ length: latest - 198 }, (_, i) => 199 + i));
    const [live] = await publish(1, 2000);
    const next = (await reader?.events(1)) ?? [];
    expect(next.map((f) => Number(f.id))).toEqual([live?.id]);
    abort.abort();
  });

  it('filters the stream by what the principal may view', async () => {
    const keysOnly = createHaliteHandler(t.halite, { authenticate: async () => principal('view:key:*') });
    const latest = (await t.store.activity.latestId()) as number;
    const { abort, reader } = await open({ 'last-event-id': String(latest) }, keysOnly);
    const published = await publish(10, 3000); // kinds cycle: job, job, job, key, minion
    const keys = published.filter((e) => e.category === 'key');
    expect(keys.length).toBe(2);
    const frames = (await reader?.events(2)) ?? [];
    expect(frames.map((f) => Number(f.id))).toEqual(keys.map((e) => e.id));
    expect(frames.map((f) => JSON.parse(f.data ?? '{}').category)).toEqual(['key', 'key']);
    abort.abort();
  });

  it.each(['1e3', '199abc', '-5', '0x10', ' '])(
    'takes a Last-Event-ID that is not a plain id (%j) as none: the ring, not the Store from there',
    async (header) => {
      const latest = (await t.store.activity.latestId()) as number;
      const { abort, reader } = await open({ 'last-event-id': header });
      const frames = (await reader?.events(1)) ?? [];
      // The ring starts with the first published event (id 201), never an old seeded one.
      expect(Number(frames[0]?.id)).toBe(201);
      expect(Number(frames[0]?.id)).toBeLessThanOrEqual(latest);
      abort.abort();
    },
  );

  it('unsubscribes from the hub when the client goes away', async () => {
    const before = t.halite.hub.subscriberCount;
    const { abort, reader } = await open();
    await reader?.next();
    expect(t.halite.hub.subscriberCount).toBe(before + 1);
    abort.abort();
    await expect.poll(() => t.halite.hub.subscriberCount).toBe(before);
  });
});

describe('settings routes', () => {
  let t: TestHalite;
  beforeAll(async () => {
    t = await createTestHalite();
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /api/admin/settings shows every setting, and no password', async () => {
    const res = await t.request('GET', '/api/admin/settings');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      salt: { url: null, username: null, password_set: false, verify: true, eauth: 'pam' },
      pollers: DEFAULT_POLLER_SETTINGS,
      updated_at: expect.any(String),
    });
    expect(text).not.toMatch(/"password"/);
  });

  it.each([
    [{ grains_chunk_size: 0 }, 'body.grains_chunk_size'],
    [{ grains_chunk_size: 5001 }, 'body.grains_chunk_size'],
    [{ jobs_lookback_hours: 721 }, 'body.jobs_lookback_hours'],
    [{ minion_state_keys_interval_seconds: -1 }, 'body.minion_state_keys_interval_seconds'],
    [{ minion_state_presence_interval_seconds: 1.5 }, 'body.minion_state_presence_interval_seconds'],
    [{ minion_state_grains_interval_seconds: 86_401 }, 'body.minion_state_grains_interval_seconds'],
    [{ minion_state_initial_delay_seconds: '10' }, 'body.minion_state_initial_delay_seconds'],
    [{ event_stream_enabled: 'yes' }, 'body.event_stream_enabled'],
    [{ event_stream_retention_days: 0 }, 'body.event_stream_retention_days'],
    [{ jobs_poll_interval_seconds: 60, sneaky: true }, 'body.sneaky'],
    [{}, 'body'],
  ])('PUT /api/admin/settings/pollers refuses %j with a 400 naming %s', async (body, field) => {
    const before = await t.store.settings.get();
    await expectError(
      await t.request('PUT', '/api/admin/settings/pollers', { body }),
      400,
      'invalid_input',
      field,
    );
    expect(await t.store.settings.get()).toEqual(before);
  });

  it('PUT /api/admin/settings/pollers saves valid values (0 disables a poller)', async () => {
    const res = await t.request('PUT', '/api/admin/settings/pollers', {
      body: {
        jobs_poll_interval_seconds: 120,
        grains_chunk_size: 5000,
        minion_state_presence_interval_seconds: 0,
      },
    });
    expect(res.status).toBe(200);
    const body = await json<{ pollers: Record<string, unknown> }>(res);
    expect(body.pollers).toEqual({
      ...DEFAULT_POLLER_SETTINGS,
      jobs_poll_interval_seconds: 120,
      grains_chunk_size: 5000,
      minion_state_presence_interval_seconds: 0,
    });
    expect((await json<{ pollers: unknown }>(await t.request('GET', '/api/admin/settings'))).pollers).toEqual(
      body.pollers,
    );
  });

  it('POST /api/admin/settings/test-salt against an unreachable URL answers 200 {ok:false, detail}', async () => {
    const res = await t.request('POST', '/api/admin/settings/test-salt', {
      body: { url: 'http://127.0.0.1:1', username: 'svc', password: 'secret-pw' },
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toEqual({ ok: false, detail: expect.stringMatching(/^Login failed: /), minion_count: null });
    expect(JSON.stringify(body)).not.toContain('secret-pw');
    // Nothing is saved by a test.
    expect((await t.store.settings.get()).saltApiUrl).toBeNull();
  });

  it('POST /api/admin/settings/test-salt-saved says there is nothing saved yet', async () => {
    const res = await t.request('POST', '/api/admin/settings/test-salt-saved');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      ok: false,
      detail: 'No saved salt-api connection.',
      minion_count: null,
    });
  });

  it('PUT /api/admin/settings/salt saves the connection: password_set, never the password', async () => {
    const password = 'pw-Very-Secret-4711';
    const res = await t.request('PUT', '/api/admin/settings/salt', {
      body: { url: 'http://127.0.0.1:1/salt/', username: 'svc-halite', password, eauth: 'sharedsecret' },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(password);
    expect(JSON.parse(text).salt).toEqual({
      url: 'http://127.0.0.1:1/salt',
      username: 'svc-halite',
      password_set: true,
      verify: true,
      eauth: 'sharedsecret',
    });
    const again = await (await t.request('GET', '/api/admin/settings')).text();
    expect(again).not.toContain(password);
    expect(JSON.parse(again).salt.password_set).toBe(true);
    const row = await t.store.settings.get();
    expect(Buffer.from(row.saltApiPasswordEncrypted ?? []).toString('utf8')).not.toContain(password);
    // Configured now (the runtime reloaded), though salt-api cannot be reached there.
    expect(await json(await t.request('GET', '/api/admin/settings/status'))).toMatchObject({
      configured: true,
      missing: [],
    });
    await expectError(
      await t.request('POST', '/api/run', { body: { tgt: '*', fun: 'test.ping' } }),
      503,
      'salt_unavailable',
    );
    const saved = await json(await t.request('POST', '/api/admin/settings/test-salt-saved'));
    expect(saved).toEqual({
      ok: false,
      detail: expect.stringMatching(/^Login failed: /),
      minion_count: null,
    });
    expect(JSON.stringify(saved)).not.toContain(password);
  });

  it.each([
    [{ url: 'ftp://salt.example' }, 'body.url'],
    [{ url: 'not a url' }, 'body.url'],
    [{ username: '' }, 'body.username'],
    [{ username: 'x'.repeat(256) }, 'body.username'],
    [{ password: '' }, 'body.password'],
    [{ eauth: 'kerberos' }, 'body.eauth'],
    [{ verify: 'false' }, 'body.verify'],
    [{ token: 'abc' }, 'body.token'],
    [{}, 'body'],
  ])('PUT /api/admin/settings/salt refuses %j with a 400 naming %s', async (body, field) => {
    const before = await t.store.settings.get();
    await expectError(
      await t.request('PUT', '/api/admin/settings/salt', { body }),
      400,
      'invalid_input',
      field,
    );
    expect(await t.store.settings.get()).toEqual(before);
  });
});

describe('[core fix pending] PUT /api/admin/settings/salt with credentials in the URL', () => {
  // SaltSettingsUpdate takes `http://user:password@host`; the URL is then echoed by
  // GET /api/admin/settings and /api/admin/status and logged by the runtime ("salt-api
  // connected", { url }): a password in the clear. Core's schema should refuse userinfo.
  it('refuses it with a 400 naming body.url, and saves nothing', async () => {
    const t = await createTestHalite();
    try {
      const before = await t.store.settings.get();
      await expectError(
        await t.request('PUT', '/api/admin/settings/salt', {
          body: { url: 'http://svc:hunter2@salt.example:8000' },
        }),
        400,
        'invalid_input',
        'body.url',
      );
      expect(await t.store.settings.get()).toEqual(before);
    } finally {
      await t.close();
    }
  });
});

describe('GET /readyz when the database is gone', () => {
  it('answers 503 degraded naming the database error', async () => {
    const t = await createTestHalite();
    try {
      await t.store.close();
      const res = await t.request('GET', '/readyz');
      expect(res.status).toBe(503);
      const body = await json<{ status: string; checks: { db: string; salt: string } }>(res);
      expect(body.status).toBe('degraded');
      expect(body.checks.db).toMatch(/^error: /);
      expect(body.checks.salt).toBe('unconfigured');
    } finally {
      await t.close();
    }
  });
});
