/**
 * The client's schemas, event reader and the activity normalizer on answers and events recorded
 * from a real Salt 3008.5 (the real-Salt lane, `HALITE_RECORD_FIXTURES=1 pnpm test:salt`, writes
 * `__fixtures__/real/`). Where real Salt differs from the reference, docs/salt-compat.md says so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { normalizeSaltEvent } from '../activity/normalize.js';
import { fakeSaltApi, SALT_URL, TEST_PASSWORD } from './__fixtures__/fake-salt-api.js';
import { SaltAPIClient } from './client.js';
import { SaltAPIError } from './errors.js';
import { readSaltEvents } from './event-stream.js';
import {
  ActiveJobsResult,
  GrainsMap,
  KeyChange,
  KeyLists,
  ListJobsResult,
  LocalAsyncResult,
  LocalResult,
  LoginResponse,
  LowstateResponse,
  PresentMinions,
  SaltEvent,
  WheelResponse,
} from './schemas.js';
import { jidToIso, parseJobStartTime, parseSaltTimestamp } from './time.js';

interface RealFixture {
  salt: string;
  request: Record<string, unknown>;
  body: unknown;
}

const DIR = new URL('./__fixtures__/real/', import.meta.url);
const fixture = (name: string): RealFixture => JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8'));
/** `return[0]` of a recorded `POST /` body. */
const first = (name: string): unknown => LowstateResponse.parse(fixture(name).body).return[0];
/** `data.return` of a recorded wheel body. */
const wheelReturn = (name: string): unknown => WheelResponse.parse(first(name)).data.return;

describe('recorded real Salt answers', () => {
  it('were all recorded from Salt 3008.5', () => {
    const names = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(names.length).toBeGreaterThanOrEqual(15);
    for (const name of names) expect(fixture(name.slice(0, -5)).salt, name).toBe('3008.5');
  });

  it('login: a one-element return list with perms sorted, a 12 h token', () => {
    const [login] = LoginResponse.parse(fixture('login').body).return;
    expect(login).toMatchObject({
      user: 'halite',
      eauth: 'file',
      perms: ['.*', '@jobs', '@runner', '@wheel'],
    });
    expect(login!.token).toMatch(/^[0-9a-f]{40}$/);
    expect(login!.expire - login!.start).toBeCloseTo(43_200, 3);
  });

  it('wheel key.list_all: four buckets plus the master key files named after the master id', () => {
    const wheel = WheelResponse.parse(first('wheel-key-list-all'));
    // No `_stamp` in the wheel return data on 3008.5 (the reference shows one).
    expect(wheel.data._stamp).toBeUndefined();
    expect(KeyLists.parse(wheel.data.return)).toEqual({
      minions_pre: ['p1'],
      minions_rejected: [],
      minions: ['m1', 'm2', 'm3'],
      minions_denied: [],
      local: ['halite-lab.pem', 'halite-lab.pub'],
    });
  });

  it('key.accept / key.reject / key.delete: the key state after the change', () => {
    expect(KeyChange.parse(wheelReturn('wheel-key-accept'))).toEqual({ minions: ['p1'] });
    expect(KeyChange.parse(wheelReturn('wheel-key-reject'))).toEqual({ minions_rejected: ['p1'] });
    expect(KeyChange.parse(wheelReturn('wheel-key-delete'))).toEqual({});
  });

  it('local: true per minion; a minion that did not answer is a string, not false', () => {
    expect(LocalResult.parse(first('local-test-ping'))).toEqual({ m1: true, m2: true, m3: true });
    const down = LocalResult.parse(first('local-test-ping-down'));
    expect(down.m3).toMatch(/^Minion did not return\. \[No response\]\n.*salt-run jobs\.lookup_jid \d{20}$/s);
  });

  it('local_async, saltutil.kill_job and jobs.lookup_jid', () => {
    const job = LocalAsyncResult.parse(first('local-async-test-sleep'));
    expect(job.minions).toEqual(['m1']);
    const killed = LocalResult.parse(first('local-saltutil-kill-job'));
    expect(killed.m1).toMatch(new RegExp(`^Signal 9 sent to job ${job.jid} at pid \\d+$`));
    expect(first('runner-jobs-lookup-jid')).toEqual({ m1: true, m2: true, m3: true });
  });

  it('jobs.active and jobs.list_jobs: StartTime is the jid read as UTC', () => {
    const active = ActiveJobsResult.parse(first('runner-jobs-active'));
    const [jid, job] = Object.entries(active)[0]!;
    expect(job).toMatchObject({ Function: 'test.sleep', Arguments: [60], Target: 'm1', Returned: [] });
    expect(Object.keys(job.Running[0]!)).toEqual(['m1']);
    expect(parseJobStartTime(job.StartTime)).toBe(jidToIso(jid));
    const listed = ListJobsResult.parse(first('runner-jobs-list-jobs'));
    for (const [id, summary] of Object.entries(listed))
      expect(parseJobStartTime(summary.StartTime)).toBe(jidToIso(id));
  });

  it('manage.present and cache.grains', () => {
    expect(PresentMinions.parse(first('runner-manage-present'))).toEqual(['m1', 'm2', 'm3']);
    expect(GrainsMap.parse(first('runner-cache-grains')).m1).toMatchObject({ id: 'm1', master: '127.0.0.1' });
  });
});

describe('the client on recorded real answers', () => {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  /** A fake salt-api that answers each function with its recorded body. */
  function replaying(): SaltAPIClient {
    const byFun: Record<string, string> = {
      'key.list_all': 'wheel-key-list-all',
      'key.accept': 'wheel-key-accept',
      'test.ping': 'local-test-ping-down',
      'test.sleep': 'local-async-test-sleep',
      'jobs.active': 'runner-jobs-active',
      'manage.present': 'runner-manage-present',
    };
    const fake = fakeSaltApi({
      lowstate: (chunk) => {
        const name = byFun[String(chunk.fun)];
        return name ? fixture(name).body : { return: ['unexpected'] };
      },
    });
    server.use(...fake.handlers);
    return new SaltAPIClient({ url: SALT_URL, username: 'halite', password: TEST_PASSWORD, eauth: 'file' });
  }

  it('unwraps wheel, runner, local and local_async answers', async () => {
    const client = replaying();
    expect(await client.wheelCall('key.list_all', {}, { schema: KeyLists })).toMatchObject({
      minions_pre: ['p1'],
    });
    expect(await client.wheelCall('key.accept', { match: 'p1' }, { schema: KeyChange })).toEqual({
      minions: ['p1'],
    });
    expect(
      Object.keys(await client.runnerCall('jobs.active', undefined, { schema: ActiveJobsResult })),
    ).toHaveLength(1);
    expect(await client.listConnectedMinions()).toEqual(['m1', 'm2', 'm3']);
    expect((await client.localAsync({ tgt: 'm1', fun: 'test.sleep', arg: [60] })).minions).toEqual(['m1']);
    const down = await client.localCall({ tgt: 'm3', fun: 'test.ping', timeout: 1 });
    expect(typeof down.m3).toBe('string');
  });

  it('throws the runner usage string Salt answers for a bad argument', async () => {
    const fake = fakeSaltApi({
      lowstate: () => ({
        return: [
          "\nPassed invalid arguments: can't compare offset-naive and offset-aware datetimes\n\nUsage:\n\n    List all detectable jobs",
        ],
      }),
    });
    server.use(...fake.handlers);
    const client = new SaltAPIClient({
      url: SALT_URL,
      username: 'halite',
      password: TEST_PASSWORD,
      eauth: 'file',
    });
    const error = await client
      .runnerCall('jobs.list_jobs', { start_time: '2026-11-27T21:56:27Z' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(SaltAPIError);
  });
});

describe('recorded real /events', () => {
  async function readAll(text: string): Promise<SaltEvent[]> {
    const events: SaltEvent[] = [];
    try {
      for await (const event of readSaltEvents(new Response(text).body!)) events.push(event);
    } catch {
      // the recorded body ends: the reader reports a closed stream
    }
    return events;
  }

  const wire = readFileSync(new URL('events.sse.txt', DIR), 'utf8');
  const recorded = (fixture('events').body as unknown[]).map((e) => SaltEvent.parse(e));

  it('reads the wire: retry in the first block, {"data", "tag"} JSON, every event', async () => {
    expect(wire.startsWith('retry: 400\ntag: ')).toBe(true);
    const events = await readAll(wire);
    expect(events.length).toBe(wire.split('\n').filter((l) => l.startsWith('data: ')).length);
    for (const event of events) expect(SaltEvent.parse(event)).toEqual(event);
  });

  it('stamps every event in UTC with an explicit +00:00, which parses to the same instant', async () => {
    for (const event of [...(await readAll(wire)), ...recorded]) {
      const stamp = String(event.data._stamp);
      expect(stamp).toMatch(/\+00:00$/);
      expect(parseSaltTimestamp(stamp)).toBe(new Date(stamp).toISOString());
    }
  });

  it('normalizes job, key, auth and minion-start events; drops the legacy minion_start', () => {
    const result = recorded.map((e) => {
      const r = normalizeSaltEvent(e);
      return r.kept ? `${r.event.event_type} ${r.event.minion_id ?? r.event.jid}` : `dropped ${r.reason}`;
    });
    expect(result).toEqual([
      expect.stringMatching(/^job\.new \d{20}$/),
      'job.ret m1',
      'key.accept p1',
      'key.reject p1',
      'key.delete p1',
      'key.pend p1',
      'minion.start m3',
      'dropped ignored',
    ]);
    for (const e of recorded) {
      const r = normalizeSaltEvent(e);
      if (r.kept) expect(r.event.occurred_at).toBe(parseSaltTimestamp(String(e.data._stamp)));
    }
  });

  it('keys events use the 3008 spellings: accepted, rejected, delete', () => {
    expect(recorded.filter((e) => e.tag === 'salt/key').map((e) => e.data.act)).toEqual([
      'accepted',
      'rejected',
      'delete',
    ]);
  });
});
