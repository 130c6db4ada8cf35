/**
 * The simulator speaks what the real Salt 3008.5 lab answered (the recorded fixtures of
 * packages/core/src/salt/__fixtures__/real/), and Halite's own SaltAPIClient works against it,
 * through every fault it can inject.
 */
import { readFileSync } from 'node:fs';
import {
  ActiveJobsResult,
  GrainsMap,
  KeyChange,
  KeyLists,
  ListJobsResult,
  LocalAsyncResult,
  LoginResponse,
  PresentMinions,
  SaltAPIClient,
  SaltAPIError,
  SaltAPIUnavailable,
  type SaltEvent,
  WheelResponse,
} from '@halite/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SimFleet } from './fleet.js';
import { type SaltSimulator, type SaltSimulatorOptions, startSaltSimulator } from './server.js';

const REAL = new URL('../../../core/src/salt/__fixtures__/real/', import.meta.url);
const recorded = (name: string): { request: Record<string, unknown>; body: { return: unknown[] } } =>
  JSON.parse(readFileSync(new URL(`${name}.json`, REAL), 'utf8'));

const sims: SaltSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function sim(options: Partial<SaltSimulatorOptions> = {}): Promise<SaltSimulator> {
  const started = await startSaltSimulator({ minions: 200, jobs: 300, ...options });
  sims.push(started);
  return started;
}

function client(s: SaltSimulator, extra: Partial<ConstructorParameters<typeof SaltAPIClient>[0]> = {}) {
  return new SaltAPIClient({
    url: s.url,
    username: 'halite',
    password: 'halite',
    eauth: 'file',
    retry: { minTimeout: 5, maxTimeout: 20 },
    ...extra,
  });
}

/** Logs in with plain fetch and POSTs lowstate chunks: the raw wire, no client in between. */
async function raw(
  s: SaltSimulator,
  chunks: unknown[],
): Promise<{ status: number; type: string; text: string }> {
  const login = await fetch(`${s.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username: 'halite', password: 'halite', eauth: 'file' }),
  });
  const token = login.headers.get('x-auth-token') ?? '';
  const response = await fetch(`${s.url}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Auth-Token': token },
    body: JSON.stringify(chunks),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

const keysOf = (value: unknown) => Object.keys(value as object).sort();

describe('the simulated fleet', () => {
  it('is the same for the same seed (and clock) and differs for another', () => {
    const now = () => Date.UTC(2026, 10, 28);
    const a = new SimFleet({ minions: 300, seed: 7, now });
    const b = new SimFleet({ minions: 300, seed: 7, now });
    const c = new SimFleet({ minions: 300, seed: 8 });
    expect(a.keyListJson()).toBe(b.keyListJson());
    expect(a.presentJson()).toBe(b.presentJson());
    expect(a.jobs.map((j) => a.jobEntry(j))).toEqual(b.jobs.map((j) => b.jobEntry(j)));
    expect(a.keyListJson()).not.toBe(c.keyListJson());
  });

  it('has keys in every state, several OS families and grains of about 5 KB', () => {
    const fleet = new SimFleet({ minions: 2_000 });
    const keys = KeyLists.parse(JSON.parse(fleet.keyListJson()));
    for (const bucket of ['minions', 'minions_pre', 'minions_rejected', 'minions_denied'] as const) {
      expect(keys[bucket].length, bucket).toBeGreaterThan(0);
    }
    const accepted = [...fleet.minions.values()].filter((m) => m.key === 'accepted');
    expect(new Set(accepted.map((m) => m.osFamily))).toEqual(
      new Set(['Debian', 'RedHat', 'Suse', 'Windows', 'FreeBSD']),
    );
    const mean = accepted.reduce((sum, m) => sum + m.grains!.length, 0) / accepted.length;
    expect(mean).toBeGreaterThan(4_000);
    expect(mean).toBeLessThan(7_000);
  });

  it('churns exactly the share asked for', () => {
    const fleet = new SimFleet({ minions: 1_000 });
    const before = new Map([...fleet.minions.values()].map((m) => [m.id, m.grains?.toString()]));
    const result = fleet.churn({ grains: 0.01, presence: 0.02, newKeys: 0.005 });
    expect(result.grains).toHaveLength(10);
    expect(result.online.length + result.offline.length).toBe(20);
    expect(result.newKeys).toHaveLength(5);
    const changed = [...fleet.minions.values()].filter(
      (m) => m.grains && before.has(m.id) && before.get(m.id) !== m.grains.toString(),
    );
    expect(changed.map((m) => m.id).sort()).toEqual([...result.grains].sort());
  });
});

describe('the wire format, against answers recorded from Salt 3008.5', () => {
  it('login: the same fields, a 40-hex token in the body and the X-Auth-Token header, a 12 h token', async () => {
    const s = await sim();
    const response = await fetch(`${s.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'halite', password: 'halite', eauth: 'file' }),
    });
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = await response.json();
    const [mine] = LoginResponse.parse(body).return;
    const [real] = recorded('login').body.return as Array<Record<string, unknown>>;
    expect(keysOf(mine)).toEqual(keysOf(real));
    expect(mine!.token).toMatch(/^[0-9a-f]{40}$/);
    expect(response.headers.get('x-auth-token')).toBe(mine!.token);
    expect(mine!.expire - mine!.start).toBeCloseTo(43_200, 3);
    expect(mine!.perms).toEqual(real!.perms);
  });

  it('bad credentials: 401 with CherryPy’s HTML page', async () => {
    const s = await sim();
    const response = await fetch(`${s.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'halite', password: 'nope', eauth: 'file' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('text/html;charset=utf-8');
    expect(await response.text()).toContain('<p>Could not authenticate using provided credentials</p>');
  });

  it('writes JSON with Python’s separators, as salt-api does', async () => {
    const s = await sim();
    const { text } = await raw(s, [{ client: 'runner', fun: 'manage.present' }]);
    expect(text.startsWith('{"return": [["')).toBe(true);
    expect(text).toContain('", "');
  });

  it('wheel key.list_all / accept / reject / delete: the wrapper and returns of the recordings', async () => {
    const s = await sim();
    const pending = JSON.parse(s.fleet.keyListJson()).minions_pre[0] as string;
    const answers: Record<string, unknown> = {};
    for (const [name, chunk] of [
      ['wheel-key-list-all', { client: 'wheel', fun: 'key.list_all' }],
      ['wheel-key-accept', { client: 'wheel', fun: 'key.accept', match: pending, include_rejected: true }],
      ['wheel-key-reject', { client: 'wheel', fun: 'key.reject', match: pending, include_accepted: true }],
      ['wheel-key-delete', { client: 'wheel', fun: 'key.delete', match: pending }],
    ] as const) {
      const { status, text } = await raw(s, [chunk]);
      expect(status).toBe(200);
      const mine = WheelResponse.parse(JSON.parse(text).return[0]);
      const real = WheelResponse.parse(recorded(name).body.return[0]);
      expect(keysOf(mine), name).toEqual(keysOf(real));
      expect(keysOf(mine.data), name).toEqual(keysOf(real.data));
      expect(mine.data.fun).toBe(real.data.fun);
      expect(mine.tag).toBe(`salt/wheel/${mine.data.jid}`);
      answers[name] = mine.data.return;
    }
    expect(keysOf(answers['wheel-key-list-all'])).toEqual(
      keysOf(WheelResponse.parse(recorded('wheel-key-list-all').body.return[0]).data.return),
    );
    expect(KeyChange.parse(answers['wheel-key-accept'])).toEqual({ minions: [pending] });
    expect(KeyChange.parse(answers['wheel-key-reject'])).toEqual({ minions_rejected: [pending] });
    expect(answers['wheel-key-delete']).toEqual({});
    expect(JSON.parse(s.fleet.keyListJson()).minions_rejected).not.toContain(pending);
  });

  it('runner manage.present and cache.grains: a list of ids, and grains by id with the recorded keys', async () => {
    const s = await sim();
    const present = JSON.parse((await raw(s, [{ client: 'runner', fun: 'manage.present' }])).text).return[0];
    expect(PresentMinions.parse(present).length).toBeGreaterThan(150);
    expect(Array.isArray(recorded('runner-manage-present').body.return[0])).toBe(true);
    const ids = present.slice(0, 3) as string[];
    const { text } = await raw(s, [
      { client: 'runner', fun: 'cache.grains', kwarg: { tgt: ids, tgt_type: 'list' } },
    ]);
    const grains = GrainsMap.parse(JSON.parse(text).return[0]);
    expect(Object.keys(grains)).toEqual(ids);
    const realKeys = Object.keys(
      (recorded('runner-cache-grains').body.return[0] as Record<string, object>).m1 as object,
    );
    for (const id of ids) {
      expect(grains[id]!.id).toBe(id);
      for (const key of realKeys) expect(grains[id], key).toHaveProperty(key);
    }
    // Without tgt, Salt answers 200 with a usage string (docs/salt-compat.md).
    const noTarget = JSON.parse((await raw(s, [{ client: 'runner', fun: 'cache.grains' }])).text).return[0];
    expect(noTarget).toMatch(
      /^\nPassed invalid arguments: grains\(\) missing 1 required positional argument/,
    );
  });

  it('runner jobs.list_jobs (start_time, search_function) and jobs.active: the recorded entry shapes', async () => {
    const s = await sim({ jobs: 2_000 });
    const realEntry = Object.values(recorded('runner-jobs-list-jobs').body.return[0] as object)[0];
    const since = new Date(Date.now() - 3_600_000).toISOString().slice(0, 19);
    const { text } = await raw(s, [
      { client: 'runner', fun: 'jobs.list_jobs', kwarg: { start_time: since, search_function: 'state.*' } },
    ]);
    const listed = ListJobsResult.parse(JSON.parse(text).return[0]);
    const entries = Object.entries(listed);
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.length).toBeLessThan(200); // one hour of 24
    for (const [jid, entry] of entries) {
      expect(jid).toMatch(/^\d{20}$/);
      expect(keysOf(entry)).toEqual(keysOf(realEntry));
      expect(String(entry.Function)).toMatch(/^state\./);
      expect(entry.StartTime).toMatch(/^\d{4}, [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d\.\d{6}$/);
      expect(
        Date.parse(
          `${jid.slice(0, 4)}-${jid.slice(4, 6)}-${jid.slice(6, 8)}T${jid.slice(8, 10)}:${jid.slice(10, 12)}:${jid.slice(12, 14)}Z`,
        ),
      ).toBeGreaterThanOrEqual(Date.parse(`${since}Z`) - 1_000);
    }
    const aware = JSON.parse(
      (await raw(s, [{ client: 'runner', fun: 'jobs.list_jobs', kwarg: { start_time: `${since}Z` } }])).text,
    ).return[0];
    expect(aware).toMatch(/can't compare offset-naive and offset-aware datetimes/);

    const active = ActiveJobsResult.parse(
      JSON.parse((await raw(s, [{ client: 'runner', fun: 'jobs.active' }])).text).return[0],
    );
    const realActive = Object.values(recorded('runner-jobs-active').body.return[0] as object)[0];
    expect(Object.keys(active)).toHaveLength(3);
    for (const job of Object.values(active)) {
      expect(keysOf(job)).toEqual(keysOf(realActive));
      expect(job.Running![0]).toEqual(expect.any(Object));
    }
  });

  it('local and local_async: true per minion, the 3008.5 string for one that did not answer, a jid', async () => {
    const s = await sim();
    const offline = [...s.fleet.minions.values()].find((m) => m.key === 'accepted' && !m.present)!;
    const online = [...s.fleet.minions.values()].find((m) => m.key === 'accepted' && m.present)!;
    const ping = JSON.parse(
      (await raw(s, [{ client: 'local', tgt: [online.id, offline.id], tgt_type: 'list', fun: 'test.ping' }]))
        .text,
    ).return[0];
    expect(ping[online.id]).toBe(true);
    const realDown = (recorded('local-test-ping-down').body.return[0] as Record<string, string>).m3!;
    expect(ping[offline.id].replace(/\d{20}$/, '<jid>')).toBe(realDown.replace(/\d{20}$/, '<jid>'));
    const job = LocalAsyncResult.parse(
      JSON.parse(
        (await raw(s, [{ client: 'local_async', tgt: online.id, fun: 'test.sleep', arg: [60] }])).text,
      ).return[0],
    );
    expect(keysOf(job)).toEqual(keysOf(recorded('local-async-test-sleep').body.return[0]));
    expect(job.minions).toEqual([online.id]);
    const kill = JSON.parse(
      (await raw(s, [{ client: 'local', tgt: online.id, fun: 'saltutil.kill_job', arg: [job.jid] }])).text,
    ).return[0];
    expect(kill[online.id]).toMatch(new RegExp(`^Signal 9 sent to job ${job.jid} at pid \\d+$`));
  });

  it('refuses what salt-api refuses: no token 401, a disabled client 400, a bad document 400, an unknown runner 500', async () => {
    const s = await sim();
    const noToken = await fetch(`${s.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '[{"client": "runner", "fun": "manage.present"}]',
    });
    expect(noToken.status).toBe(401);
    expect(await noToken.text()).toContain('<p>No permission -- see authorization schemes</p>');
    const disabled = await raw(s, [{ client: 'ssh', tgt: '*', fun: 'test.ping' }]);
    expect(disabled.status).toBe(400);
    expect(disabled.text).toContain("Client disabled: 'ssh'");
    const unknown = await raw(s, [{ client: 'runner', fun: 'nope.nothing' }]);
    expect(unknown.status).toBe(500);
    expect(JSON.parse(unknown.text)).toEqual({ status: 500, return: 'An unexpected error occurred' });
  });

  it('/events: retry first, then tag and data lines shaped as the recording, with no query parameters', async () => {
    const s = await sim();
    const real = readFileSync(new URL('events.sse.txt', REAL), 'utf8');
    const [token] = await loginToken(s);
    const refused = await fetch(`${s.url}/events?token=${token}`);
    expect(refused.status).toBe(400);
    const response = await fetch(`${s.url}/events`, {
      headers: { 'X-Auth-Token': token!, Accept: 'text/event-stream' },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream;charset=utf-8');
    const reader = response.body!.getReader();
    s.publish({
      tag: 'salt/key',
      data: { result: true, act: 'delete', id: 'p1', _stamp: '2026-11-27T22:25:40.331293+00:00' },
    });
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toBe(
      'retry: 400\ntag: salt/key\ndata: {"data": {"result": true, "act": "delete", "id": "p1", "_stamp": "2026-11-27T22:25:40.331293+00:00"}, "tag": "salt/key"}\n\n',
    );
    expect(real).toContain(
      'tag: salt/key\ndata: {"data": {"result": true, "act": "delete", "id": "p1", "_stamp": "2026-11-27T22:25:40.331293+00:00"}, "tag": "salt/key"}\n\n',
    );
    expect(real.startsWith('retry: 400\ntag: ')).toBe(true);
  });
});

/** A promise and its resolve (Promise.withResolvers needs Node.js 22). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A fresh session token, straight from /login. */
async function loginToken(s: SaltSimulator): Promise<string[]> {
  const response = await fetch(`${s.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'halite', password: 'halite', eauth: 'file' }),
  });
  return [response.headers.get('x-auth-token') ?? ''];
}

describe('SaltAPIClient against the simulator', () => {
  it('reads keys, presence, grains and jobs, and runs a command', async () => {
    const s = await sim();
    const salt = client(s);
    const keys = await salt.wheelCall('key.list_all', {}, { schema: KeyLists });
    expect(
      keys.minions.length +
        keys.minions_pre.length +
        keys.minions_rejected.length +
        keys.minions_denied.length,
    ).toBe(200);
    const present = await salt.listConnectedMinions();
    expect(present.every((id) => keys.minions.includes(id))).toBe(true);
    const grains = await salt.runnerCall(
      'cache.grains',
      { tgt: keys.minions.slice(0, 50), tgt_type: 'list' },
      { schema: GrainsMap },
    );
    expect(Object.keys(grains)).toEqual(keys.minions.slice(0, 50));
    const jobs = await salt.runnerCall(
      'jobs.list_jobs',
      { start_time: '2000-01-01T00:00:00' },
      { schema: ListJobsResult },
    );
    expect(Object.keys(jobs)).toHaveLength(300);
    const result = await salt.localCall({ tgt: present.slice(0, 2), tgtType: 'list', fun: 'test.ping' });
    expect(result).toEqual({ [present[0]!]: true, [present[1]!]: true });
  });

  it('fault: latency past the client deadline is a timeout', async () => {
    const s = await sim({ faults: { latencyMs: 400 } });
    const salt = client(s, { timeoutMs: 100, retry: { retries: 0 } });
    const error = await salt.login().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SaltAPIUnavailable);
    expect((error as SaltAPIUnavailable).reason).toBe('timeout');
    s.setFaults({ latencyMs: 50 });
    const started = performance.now();
    await client(s).login();
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('fault: a burst of 503s is retried through; a burst longer than the retries fails with the status', async () => {
    const s = await sim();
    const salt = client(s);
    await salt.login();
    s.setFaults({ errorBurst: { status: 503, count: 2 } });
    const before = s.stats.requests['POST /'] ?? 0;
    expect((await salt.listConnectedMinions()).length).toBeGreaterThan(0);
    expect((s.stats.requests['POST /'] ?? 0) - before).toBe(3);
    s.setFaults({ errorBurst: { status: 500, count: 10 } });
    const error = await salt.listConnectedMinions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SaltAPIError);
    expect((error as SaltAPIError).status).toBe(500);
  });

  it('fault: expired tokens make the client log in again, once', async () => {
    const s = await sim();
    const salt = client(s);
    await salt.listConnectedMinions();
    expect(s.stats.logins).toBe(1);
    expect(s.expireTokens()).toBe(1);
    await salt.listConnectedMinions();
    expect(s.stats.logins).toBe(2);
    expect(s.stats.statuses['401']).toBe(1);
  });

  it('fault: a token past token_expire is refused; the client logs in again', async () => {
    let clock = Date.now();
    const s = await sim({ now: () => clock, tokenExpireSeconds: 60 });
    const salt = client(s);
    await salt.listConnectedMinions();
    clock += 61_000;
    await salt.listConnectedMinions();
    expect(s.stats.logins).toBe(2);
  });

  it('fault: malformed JSON fails that call with a clear error; the next call works', async () => {
    const s = await sim();
    const salt = client(s);
    await salt.login();
    s.setFaults({ malformedJson: 1 });
    const error = await salt.wheelCall('key.list_all').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SaltAPIError);
    expect((error as SaltAPIError).message).toMatch(/JSON/i);
    expect((await salt.wheelCall('key.list_all', {}, { schema: KeyLists })).minions.length).toBeGreaterThan(
      0,
    );
  });

  it('fault: a dropped event stream ends the iteration with SaltAPIUnavailable; a new one reads on', async () => {
    const s = await sim();
    const salt = client(s);
    const seen: SaltEvent[] = [];
    const opened = signal();
    const reading = (async () => {
      for await (const event of salt.events({ onOpen: () => opened.resolve() })) {
        seen.push(event);
        if (seen.length === 1) s.dropEventStreams();
      }
    })();
    await opened.promise;
    s.publish({
      tag: 'salt/key',
      data: { result: true, act: 'delete', id: 'x', _stamp: '2026-11-27T22:25:40+00:00' },
    });
    await expect(reading).rejects.toBeInstanceOf(SaltAPIUnavailable);
    expect(seen.map((e) => e.tag)).toEqual(['salt/key']);
    expect(s.stats.droppedStreams).toBe(1);

    const abort = new AbortController();
    const again = signal();
    const next: SaltEvent[] = [];
    const second = (async () => {
      for await (const event of salt.events({ signal: abort.signal, onOpen: () => again.resolve() })) {
        next.push(event);
        abort.abort();
      }
    })();
    await again.promise;
    s.publish({
      tag: 'salt/auth',
      data: { result: true, act: 'pend', id: 'p9', _stamp: '2026-11-27T22:25:41+00:00' },
    });
    await second;
    expect(next.map((e) => e.tag)).toEqual(['salt/auth']);
  });

  it('an open stream delivers the first event after its token expired, then ends', async () => {
    const s = await sim();
    const salt = client(s);
    const opened = signal();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of salt.events({ onOpen: () => opened.resolve() })) seen.push(event.tag);
    })();
    await opened.promise;
    s.expireTokens();
    s.publish({
      tag: 'salt/auth',
      data: { result: true, act: 'pend', id: 'p1', _stamp: '2026-11-27T22:25:41+00:00' },
    });
    await expect(reading).rejects.toBeInstanceOf(SaltAPIUnavailable);
    expect(seen).toEqual(['salt/auth']);
  });

  it('generates background events at the rate asked for, and jobs published through it return on the bus', async () => {
    const s = await sim({ returnDelayMs: 10 });
    const salt = client(s);
    const abort = new AbortController();
    const opened = signal();
    const tags: string[] = [];
    const done = signal();
    const online = [...s.fleet.minions.values()].find((m) => m.key === 'accepted' && m.present)!;
    const reading = (async () => {
      for await (const event of salt.events({ signal: abort.signal, onOpen: () => opened.resolve() })) {
        tags.push(event.tag);
        if (tags.length >= 50 && tags.some((t) => t.endsWith(`/ret/${online.id}`))) done.resolve();
      }
    })();
    await opened.promise;
    s.setEventRate(500);
    const { jid } = await salt.localAsync({ tgt: online.id, fun: 'test.ping' });
    await done.promise;
    abort.abort();
    await reading;
    s.setEventRate(0);
    expect(tags).toContain(`salt/job/${jid}/new`);
    expect(tags).toContain(`salt/job/${jid}/ret/${online.id}`);
    expect(tags.some((t) => /^salt\/job\/\d{20}\/ret\//.test(t) && !t.includes(jid))).toBe(true);
  });
});
