/**
 * Contract tests: the SaltAPIClient against a real Salt (master, 3 minions, 1 pending minion,
 * salt-api) on loopback. What real Salt does that the reference did not say is written down in
 * docs/salt-compat.md. `HALITE_RECORD_FIXTURES=1` also (re)writes the recorded real responses
 * used by @halite/core's msw tests (packages/core/src/salt/__fixtures__/real/).
 */
import {
  ActiveJobsResult,
  formatSaltTime,
  GrainsMap,
  jidToIso,
  KeyChange,
  KeyLists,
  ListJobsResult,
  LocalAsyncResult,
  normalizeSaltEvent,
  PresentMinions,
  SaltAPIClient,
  SaltAPIError,
  type SaltEvent,
} from '@halite/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SaltEventRecorder } from './event-recorder.js';
import { type SaltLab, startSaltLab } from './lab.js';
import {
  type RawSaltApi,
  RECORDING,
  rawSaltApi,
  readFixture,
  recordFixture,
  recordTextFixture,
  shapeOf,
} from './wire-recorder.js';

const MINIONS = ['m1', 'm2', 'm3'];
let lab: SaltLab;
let client: SaltAPIClient;
let recorder: SaltEventRecorder;
let raw: RawSaltApi;
const sse = { text: '', controller: new AbortController() };

/** Records `body` as fixture `name` (when recording) and checks it has the recorded shape. */
async function fixture(name: string, request: unknown, body: unknown): Promise<void> {
  const recorded = readFixture(name);
  if (RECORDING) await recordFixture(name, { salt: lab.saltVersion, request, body });
  else if (recorded)
    expect(shapeOf(body), `live ${name} has the recorded shape`).toEqual(shapeOf(recorded.body));
}

async function rawFixture(name: string, lowstate: Record<string, unknown>): Promise<unknown> {
  const { status, body } = await raw.call(lowstate);
  expect(status).toBe(200);
  await fixture(name, lowstate, body);
  return body;
}

/** Reads the raw SSE bytes in the background (for the wire fixture). */
async function captureSse(): Promise<void> {
  const token = (raw.loginBody as { return: Array<{ token: string }> }).return[0]!.token;
  try {
    const res = await fetch(`${lab.url}/events`, {
      headers: { 'X-Auth-Token': token, Accept: 'text/event-stream' },
      signal: sse.controller.signal,
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (sse.text.length < 4_000_000) sse.text += decoder.decode(chunk, { stream: true });
    }
  } catch {
    // aborted at the end
  }
}

const byTag = (tag: string) => (e: SaltEvent) => e.tag === tag;

beforeAll(async () => {
  lab = await startSaltLab({ minions: MINIONS, pending: ['p1'] });
  client = new SaltAPIClient({
    url: lab.url,
    username: lab.username,
    password: lab.password,
    eauth: lab.eauth,
  });
  raw = await rawSaltApi(lab);
  void captureSse();
  recorder = new SaltEventRecorder(client);
  await recorder.start();
});

afterAll(async () => {
  sse.controller.abort();
  await recorder?.stop();
  if (RECORDING && sse.text) {
    // Keep a readable excerpt: the retry line and one event of each interesting kind.
    const blocks = sse.text.split('\n\n');
    const wanted = [
      /^tag: salt\/auth$/m,
      /^tag: salt\/job\/\d+\/new$/m,
      /^tag: salt\/job\/\d+\/publish$/m,
      /^tag: salt\/job\/\d+\/ret\/m1$/m,
      /^tag: salt\/run\/\d+\/new$/m,
      /^tag: salt\/run\/\d+\/ret$/m,
      /^tag: salt\/wheel\/\d+\/new$/m,
      /^tag: salt\/wheel\/\d+\/ret$/m,
      /^tag: salt\/key$/m,
      /^tag: minion_start$/m,
      /^tag: salt\/minion\/m3\/start$/m,
      /^tag: key$/m,
    ];
    const tags = [...new Set(blocks.map((b) => /^tag: (.*)$/m.exec(b)?.[1]?.replace(/\d{20}/, '<jid>')))];
    process.stderr.write(`[contract] event tags seen: ${tags.join(' ')}\n`);
    const kept = [blocks[0]!];
    for (const pattern of wanted) {
      for (const block of blocks.slice(1)) {
        if (pattern.test(block) && !kept.includes(block)) {
          kept.push(block);
          if (!pattern.source.includes('salt\\/key')) break;
        }
      }
    }
    await recordTextFixture('events.sse.txt', `${kept.join('\n\n')}\n\n`);
  }
  await lab?.stop();
});

describe('login and logout', () => {
  it('logs in with file eauth and reports the ACL and a 12 h token', async () => {
    const info = await client.login();
    expect(info).toMatchObject({
      user: lab.username,
      eauth: 'file',
      perms: ['.*', '@jobs', '@runner', '@wheel'],
    });
    expect(Number(info.expire) - Number(info.start)).toBeCloseTo(43_200, 0);
    await fixture('login', { username: lab.username, password: '…', eauth: lab.eauth }, raw.loginBody);
  });

  it('reports a wrong password as a 401 SaltAPIError', async () => {
    const bad = new SaltAPIClient({
      url: lab.url,
      username: lab.username,
      password: 'wrong',
      eauth: lab.eauth,
    });
    const error = await bad.login().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SaltAPIError);
    expect((error as SaltAPIError).status).toBe(401);
  });

  it('logs out (twice is fine) and logs in again on the next call', async () => {
    const other = new SaltAPIClient({
      url: lab.url,
      username: lab.username,
      password: lab.password,
      eauth: lab.eauth,
    });
    await other.login();
    await other.logout();
    await other.logout();
    expect(await other.localCall({ tgt: 'm1', fun: 'test.ping' })).toEqual({ m1: true });
  });

  it('gives the restricted user runner manage.* but a 401 for wheel', async () => {
    const viewer = new SaltAPIClient({
      url: lab.url,
      username: lab.viewer.username,
      password: lab.viewer.password,
      eauth: lab.eauth,
    });
    expect((await viewer.login()).perms).toEqual(['test.*', { '@runner': ['jobs.*', 'manage.*'] }]);
    const error = await viewer.wheelCall('key.list_all').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SaltAPIError);
    expect((error as SaltAPIError).status).toBe(401);
  });
});

describe('wheel key.list_all', () => {
  it('lists all four buckets, the pending minion in minions_pre', async () => {
    const keys = await client.wheelCall('key.list_all', {}, { schema: KeyLists });
    expect(keys).toMatchObject({
      minions: MINIONS,
      minions_pre: ['p1'],
      minions_rejected: [],
      minions_denied: [],
    });
    expect(keys.local).toEqual([`${lab.masterId}.pem`, `${lab.masterId}.pub`]);
    await rawFixture('wheel-key-list-all', { client: 'wheel', fun: 'key.list_all' });
  });
});

describe('runner', () => {
  it('manage.present lists the connected minions', async () => {
    const present = await client.listConnectedMinions();
    expect([...present].sort()).toEqual(MINIONS);
    const body = await rawFixture('runner-manage-present', { client: 'runner', fun: 'manage.present' });
    expect(PresentMinions.parse((body as { return: unknown[] }).return[0])).toEqual(present);
  });

  it('cache.grains returns the cached grains of every accepted minion', async () => {
    const grains = await client.runnerCall('cache.grains', { tgt: '*' }, { schema: GrainsMap });
    expect(Object.keys(grains).sort()).toEqual(MINIONS);
    for (const id of MINIONS) expect(grains[id]).toMatchObject({ id, master: '127.0.0.1' });
    const request = { client: 'runner', fun: 'cache.grains', tgt: 'm1' };
    const { body } = await raw.call(request);
    // Full grains are host-specific and large: keep a few keys in the fixture.
    const m1 = ((body as { return: Array<Record<string, Record<string, unknown>>> }).return[0]?.m1 ??
      {}) as Record<string, unknown>;
    const keep = ['id', 'master', 'os', 'os_family', 'kernel', 'saltversion', 'ipv4', 'localhost'];
    await fixture('runner-cache-grains', request, {
      return: [{ m1: Object.fromEntries(keep.filter((k) => k in m1).map((k) => [k, m1[k]])) }],
    });
  });

  it('cache.grains without a target answers a usage string, which the client throws', async () => {
    const error = await client.runnerCall('cache.grains').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SaltAPIError);
    expect((error as SaltAPIError).message).toMatch(/Passed invalid arguments/);
  });
});

describe('jobs', () => {
  it('local test.ping answers true for every minion', async () => {
    expect(await client.localCall({ tgt: '*', fun: 'test.ping' })).toEqual({ m1: true, m2: true, m3: true });
    await rawFixture('local-test-ping', { client: 'local', tgt: '*', fun: 'test.ping' });
  });

  it('emits salt/job/<jid>/new and a ret per minion, and jobs.lookup_jid returns them', async () => {
    const mark = recorder.mark();
    const job = await client.localAsync({ tgt: '*', fun: 'test.ping' });
    expect(LocalAsyncResult.parse(job).minions.sort()).toEqual(MINIONS);
    const created = await recorder.waitFor(byTag(`salt/job/${job.jid}/new`), {
      since: mark,
      what: 'job new',
    });
    expect(created.data).toMatchObject({
      jid: job.jid,
      fun: 'test.ping',
      tgt: '*',
      user: lab.username,
      arg: [],
    });
    expect(normalizeSaltEvent(created)).toMatchObject({
      kept: true,
      event: { event_type: 'job.new', jid: job.jid },
    });
    for (const id of MINIONS) {
      const ret = await recorder.waitFor(byTag(`salt/job/${job.jid}/ret/${id}`), {
        since: mark,
        what: `ret ${id}`,
      });
      expect(ret.data).toMatchObject({
        id,
        jid: job.jid,
        fun: 'test.ping',
        return: true,
        success: true,
        retcode: 0,
      });
      expect(normalizeSaltEvent(ret)).toMatchObject({
        kept: true,
        event: { event_type: 'job.ret', minion_id: id, success: true },
      });
    }
    expect(await client.runnerCall('jobs.lookup_jid', { jid: job.jid })).toEqual({
      m1: true,
      m2: true,
      m3: true,
    });
    await rawFixture('runner-jobs-lookup-jid', { client: 'runner', fun: 'jobs.lookup_jid', jid: job.jid });
  });

  it('runs test.sleep with local_async, sees it in jobs.active and jobs.list_jobs, then kills it', async () => {
    const asyncRequest = { client: 'local_async', tgt: 'm1', fun: 'test.sleep', arg: [60] };
    const job = await client.localAsync({ tgt: 'm1', fun: 'test.sleep', arg: [60] });
    expect(job.minions).toEqual(['m1']);
    await fixture('local-async-test-sleep', asyncRequest, { return: [job] });

    // jobs.active asks the minions (saltutil.running), so the job shows once m1 runs it.
    let active = await client.runnerCall('jobs.active', undefined, { schema: ActiveJobsResult });
    for (let i = 0; i < 20 && !active[job.jid]; i++) {
      await new Promise((r) => setTimeout(r, 250));
      active = await client.runnerCall('jobs.active', undefined, { schema: ActiveJobsResult });
    }
    expect(active[job.jid]).toMatchObject({
      Function: 'test.sleep',
      Arguments: [60],
      Target: 'm1',
      User: lab.username,
    });
    expect(active[job.jid]?.Running.map((r) => Object.keys(r)[0])).toEqual(['m1']);
    await rawFixture('runner-jobs-active', { client: 'runner', fun: 'jobs.active' });

    // A start_time/end_time window around the jid (naive UTC) finds it; one before it does not.
    const at = Date.parse(jidToIso(job.jid)!);
    const window = {
      start_time: formatSaltTime(new Date(at - 2_000)),
      end_time: formatSaltTime(new Date(at + 2_000)),
    };
    const listed = await client.runnerCall('jobs.list_jobs', window, { schema: ListJobsResult });
    expect(listed[job.jid]).toMatchObject({ Function: 'test.sleep', Target: 'm1', 'Target-type': 'glob' });
    expect(Object.keys(listed).every((jid) => Math.abs(Date.parse(jidToIso(jid)!) - at) <= 2_000)).toBe(true);
    const before = await client.runnerCall(
      'jobs.list_jobs',
      { start_time: formatSaltTime(new Date(at - 60_000)), end_time: formatSaltTime(new Date(at - 30_000)) },
      { schema: ListJobsResult },
    );
    expect(before[job.jid]).toBeUndefined();
    const listRequest = { client: 'runner', fun: 'jobs.list_jobs', ...window };
    const { body } = await raw.call(listRequest);
    const jobs = (body as { return: Array<Record<string, unknown>> }).return[0] ?? {};
    await fixture('runner-jobs-list-jobs', listRequest, { return: [{ [job.jid]: jobs[job.jid] }] });

    // An aware time (with Z) makes Salt compare naive with aware: a usage string, thrown.
    const aware = await client
      .runnerCall('jobs.list_jobs', { start_time: new Date(at).toISOString() })
      .catch((e: unknown) => e);
    expect(aware).toBeInstanceOf(SaltAPIError);
    expect((aware as Error).message).toMatch(/can't compare offset-naive and offset-aware datetimes/);

    const killRequest = { client: 'local', tgt: 'm1', fun: 'saltutil.kill_job', arg: [job.jid] };
    const killed = await client.localCall({ tgt: 'm1', fun: 'saltutil.kill_job', arg: [job.jid] });
    expect(killed.m1).toMatch(new RegExp(`^Signal 9 sent to job ${job.jid} at pid \\d+$`));
    await fixture('local-saltutil-kill-job', killRequest, { return: [killed] });
    // Killing it again: the job is no longer running on m1.
    expect(await client.localCall({ tgt: 'm1', fun: 'saltutil.kill_job', arg: [job.jid] })).toEqual({
      m1: '',
    });
    expect(await client.runnerCall('jobs.lookup_jid', { jid: job.jid })).toEqual({});
  });
});

describe('keys of the pending minion, and their events', () => {
  const keyEvent = (act: string, since: number) =>
    recorder.waitFor((e) => e.tag === 'salt/key' && e.data.id === 'p1' && e.data.act === act, {
      since,
      what: `salt/key ${act} p1`,
    });
  const keys = () => client.wheelCall('key.list_all', {}, { schema: KeyLists });

  it('key.reject moves it to minions_rejected and emits act "rejected"', async () => {
    const mark = recorder.mark();
    const change = await client.wheelCall('key.reject', { match: 'p1' }, { schema: KeyChange });
    expect(change).toEqual({ minions_rejected: ['p1'] });
    const event = await keyEvent('rejected', mark);
    expect(event.data).toMatchObject({ result: true, id: 'p1' });
    expect(normalizeSaltEvent(event)).toMatchObject({
      kept: true,
      event: { event_type: 'key.reject', minion_id: 'p1' },
    });
    expect((await keys()).minions_rejected).toEqual(['p1']);
  });

  it('key.accept with include_rejected accepts it, emits "accepted", and the minion starts', async () => {
    const mark = recorder.mark();
    const request = { client: 'wheel', fun: 'key.accept', match: 'p1', include_rejected: true };
    const { body } = await raw.call(request);
    await fixture('wheel-key-accept', request, body);
    expect(
      KeyChange.parse((body as { return: Array<{ data: { return: unknown } }> }).return[0]?.data.return),
    ).toEqual({
      minions: ['p1'],
    });
    const event = await keyEvent('accepted', mark);
    expect(normalizeSaltEvent(event)).toMatchObject({
      kept: true,
      event: { event_type: 'key.accept', minion_id: 'p1' },
    });
    await recorder.waitFor(byTag('salt/minion/p1/start'), { since: mark, what: 'p1 start' });
    expect(await client.localCall({ tgt: 'p1', fun: 'test.ping' })).toEqual({ p1: true });
  });

  it('key.delete removes it and emits act "delete"', async () => {
    const mark = recorder.mark();
    const request = { client: 'wheel', fun: 'key.delete', match: 'p1' };
    const { body } = await raw.call(request);
    await fixture('wheel-key-delete', request, body);
    expect((body as { return: Array<{ data: { return: unknown } }> }).return[0]?.data.return).toEqual({});
    const event = await keyEvent('delete', mark);
    expect(normalizeSaltEvent(event)).toMatchObject({
      kept: true,
      event: { event_type: 'key.delete', minion_id: 'p1' },
    });
    expect((await keys()).minions).toEqual(MINIONS);
  });

  it('a restarted minion whose key was deleted is pending again; accepting it from pending works', async () => {
    await lab.stopMinion('p1');
    const mark = recorder.mark();
    await lab.startMinion('p1');
    const pend = await recorder.waitFor(
      (e) => e.tag === 'salt/auth' && e.data.id === 'p1' && e.data.act === 'pend',
      {
        since: mark,
        what: 'salt/auth pend p1',
      },
    );
    expect(normalizeSaltEvent(pend)).toMatchObject({
      kept: true,
      event: { event_type: 'key.pend', minion_id: 'p1' },
    });
    expect((await keys()).minions_pre).toEqual(['p1']);
    const rejectRequest = { client: 'wheel', fun: 'key.reject', match: 'p1' };
    const { body } = await raw.call(rejectRequest);
    await fixture('wheel-key-reject', rejectRequest, body);
    const reject = (body as { return: Array<{ data: { return: unknown } }> }).return[0]?.data.return;
    expect(KeyChange.parse(reject)).toEqual({ minions_rejected: ['p1'] });
    // Deleting a rejected key: the minion (rejected_retry) authenticates again and is pending.
    const mark2 = recorder.mark();
    await client.wheelCall('key.delete', { match: 'p1' });
    await keyEvent('delete', mark2);
    await recorder.waitFor((e) => e.tag === 'salt/auth' && e.data.id === 'p1' && e.data.act === 'pend', {
      since: mark2,
      what: 'p1 pending again',
    });
    const mark3 = recorder.mark();
    expect(await client.wheelCall('key.accept', { match: 'p1' }, { schema: KeyChange })).toEqual({
      minions: ['p1'],
    });
    await keyEvent('accepted', mark3);
    await recorder.waitFor(byTag('salt/minion/p1/start'), { since: mark3, what: 'p1 start' });
  });
});

describe('minion restart', () => {
  it('a stopped minion does not answer; once started again it emits salt/minion/<id>/start', async () => {
    await lab.stopMinion('m3');
    const down = { client: 'local', tgt: 'm3', fun: 'test.ping', timeout: 1, gather_job_timeout: 1 };
    const body = await rawFixture('local-test-ping-down', down);
    // 3008.5 says why, as a string, where the reference expected `false`.
    expect((body as { return: Array<Record<string, unknown>> }).return[0]?.m3).toMatch(
      /^Minion did not return\. \[No response\]/,
    );
    // manage.present is IP-based: on a host with a non-loopback address a stopped minion still looks present.
    const present = await client.listConnectedMinions();
    expect(present).toEqual(expect.arrayContaining(['m1', 'm2']));

    const mark = recorder.mark();
    await lab.startMinion('m3');
    const start = await recorder.waitFor(byTag('salt/minion/m3/start'), { since: mark, what: 'm3 start' });
    expect(start.data).toMatchObject({ id: 'm3', cmd: '_minion_event', tag: 'salt/minion/m3/start' });
    expect(start.data.data).toMatch(/^Minion m3 started at /);
    expect(normalizeSaltEvent(start)).toMatchObject({
      kept: true,
      event: { event_type: 'minion.start', minion_id: 'm3' },
    });
    // The legacy duplicate is still sent, and dropped by the normalizer.
    const legacy = await recorder.waitFor(byTag('minion_start'), { since: mark, what: 'minion_start' });
    expect(legacy.data.id).toBe('m3');
    expect(normalizeSaltEvent(legacy)).toEqual({ kept: false, reason: 'ignored' });
    expect(await client.localCall({ tgt: 'm3', fun: 'test.ping' })).toEqual({ m3: true });
  });
});

describe('salt-api restart', () => {
  let connectionsBefore = 0;
  /** A client whose every HTTP exchange is counted (a fetch wrapper, no mocking). */
  function countingClient() {
    const seen: Array<{ path: string; status: number }> = [];
    const counted: typeof fetch = async (input, init) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      try {
        const res = await fetch(input, init);
        seen.push({ path, status: res.status });
        return res;
      } catch (error) {
        seen.push({ path, status: 0 });
        throw error;
      }
    };
    const c = new SaltAPIClient({
      url: lab.url,
      username: lab.username,
      password: lab.password,
      eauth: lab.eauth,
      fetch: counted,
    });
    return { client: c, seen };
  }

  it('loses every session: the next call is refused once, logs in again and succeeds', async () => {
    const { client: c, seen } = countingClient();
    expect(await c.localCall({ tgt: 'm1', fun: 'test.ping' })).toEqual({ m1: true });
    connectionsBefore = recorder.connections;
    await lab.restartApi();
    expect((await c.wheelCall('key.list_all', {}, { schema: KeyLists })).minions_pre).toEqual([]);
    expect(seen.map((r) => `${r.path} ${r.status}`)).toEqual([
      '/login 200',
      '/ 200',
      '/ 401',
      '/login 200',
      '/ 200',
    ]);
  });

  it('rides out a call made while salt-api is down (connection refused, retried with backoff)', async () => {
    const { client: c } = countingClient();
    await c.login();
    await lab.stopApi();
    const call = c.localCall({ tgt: 'm1', fun: 'test.ping' });
    await lab.startApi();
    expect(await call).toEqual({ m1: true });
  });

  it('cuts open event streams; the recorder reconnects and sees later jobs', async () => {
    // Events sent while it was cut are lost (there is no resume): wait for the new connection.
    await recorder.resync();
    const mark = recorder.mark();
    const { jid } = await client.localAsync({ tgt: 'm2', fun: 'test.ping' });
    await recorder.waitFor(byTag(`salt/job/${jid}/ret/m2`), { since: mark, what: 'ret m2 after restart' });
    expect(recorder.connections).toBeGreaterThan(connectionsBefore);
    expect(recorder.failures.length).toBeGreaterThanOrEqual(1);
  });
});

describe('the event stream', () => {
  it('stamps events in UTC with an explicit +00:00 offset', () => {
    const stamped = recorder.events.filter((e) => typeof e.data._stamp === 'string');
    expect(stamped.length).toBeGreaterThan(10);
    for (const e of stamped)
      expect(e.data._stamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00:00$/);
    // Only the salt-api restarts above cut the stream.
    expect(recorder.failures.every((f) => f instanceof Error && f.name === 'SaltAPIUnavailable')).toBe(true);
  });

  it('recorded the events in the fixture when asked to', async () => {
    if (!RECORDING) return;
    const pick = (pattern: RegExp) => recorder.events.find((e) => pattern.test(e.tag));
    const events = [
      pick(/^salt\/job\/\d+\/new$/),
      pick(/^salt\/job\/\d+\/ret\/m1$/),
      recorder.events.find((e) => e.tag === 'salt/key' && e.data.act === 'accepted'),
      recorder.events.find((e) => e.tag === 'salt/key' && e.data.act === 'rejected'),
      recorder.events.find((e) => e.tag === 'salt/key' && e.data.act === 'delete'),
      recorder.events.find((e) => e.tag === 'salt/auth' && e.data.act === 'pend'),
      pick(/^salt\/minion\/m3\/start$/),
      pick(/^minion_start$/),
    ];
    expect(events.every(Boolean)).toBe(true);
    await recordFixture('events', { salt: lab.saltVersion, request: 'GET /events', body: events });
  });
});
