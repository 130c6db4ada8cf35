/**
 * The runtime against a real Salt (m1 m2 m3 accepted, p1 pending): Halite on a SQLite file,
 * configured through the settings API, served by the real HTTP handler. The pollers fill the
 * Store, settings changes reload the runtime without a restart, and a salt-api outage degrades
 * (reads served, actions 503) and recovers. The event stream stays off here, so everything in
 * the Store came from the pollers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SaltLab, startSaltLab } from '../../../testkit/src/lab/lab.js';
import {
  configureSalt,
  FAST_POLLERS,
  type HaliteUnderTest,
  type Json,
  startHalite,
  stopLab,
  until,
} from './halite-harness.salt.js';

let lab: SaltLab;
let h: HaliteUnderTest;

const status = async (): Promise<Json> => (await h.api.get('/api/admin/status')).body;
const poller = (s: Json, name: string): Json => s.pollers.find((p: Json) => p.name === name);
const minionsById = async (): Promise<Record<string, Json>> => {
  const res = await h.api.get('/api/minions?limit=100');
  expect(res.status).toBe(200);
  return Object.fromEntries(res.body.minions.map((m: Json) => [m.id, m]));
};

beforeAll(async () => {
  lab = await startSaltLab({ minions: ['m1', 'm2', 'm3'], pending: ['p1'] });
  h = await startHalite();
});

afterAll(async () => {
  await h?.close({ removeDir: true });
  await stopLab(lab);
});

describe('a new install', () => {
  it('starts unconfigured: reads answer from the empty Store, actions answer 503', async () => {
    const s = await status();
    expect(s.salt).toMatchObject({
      state: 'unconfigured',
      missing: ['salt.url', 'salt.username', 'salt.password'],
    });
    // Only retention runs without Salt (it needs the Store alone).
    expect(s.pollers.map((p: Json) => p.name)).toEqual(['retention']);
    const minions = await h.api.get('/api/minions');
    expect(minions.status).toBe(200);
    expect(minions.body).toMatchObject({ total: 0, minions: [], last_refreshed_at: null, is_stale: true });
    const run = await h.api.post('/api/run', { tgt: '*', fun: 'test.ping' });
    expect(run.status).toBe(503);
    expect(run.body.error.code).toBe('salt_unconfigured');
  });
});

describe('pollers', () => {
  it('once configured through the settings API, fill the Store with minions, grains and online state', async () => {
    await configureSalt(h.api, lab);
    const s = await status();
    expect(s.salt).toMatchObject({ state: 'connected', url: lab.url, username: lab.username, missing: [] });
    expect(s.pollers.map((p: Json) => p.name).sort()).toEqual([
      'jobs',
      'minions.grains',
      'minions.keys',
      'minions.presence',
      'retention',
    ]);

    const minions = await until(
      async () => {
        const m = await minionsById();
        const ready = ['m1', 'm2', 'm3'].every((id) => m[id]?.status === 'online' && m[id]?.saltversion);
        return ready && m.p1 ? m : undefined;
      },
      { timeoutMs: 30_000, what: 'm1..m3 online with grains, and p1' },
    );
    expect(Object.keys(minions).sort()).toEqual(['m1', 'm2', 'm3', 'p1']);
    for (const id of ['m1', 'm2', 'm3']) {
      expect(minions[id]).toMatchObject({
        id,
        status: 'online',
        key_status: 'accepted',
        saltversion: lab.saltVersion,
        kernel: 'Linux',
      });
      expect(minions[id].os).toEqual(expect.any(String));
      expect(minions[id].os_family).toEqual(expect.any(String));
      expect(minions[id].num_cpus).toBeGreaterThan(0);
      expect(minions[id].last_seen_at).toEqual(expect.any(String));
    }
    expect(minions.p1).toMatchObject({ id: 'p1', status: 'pending', key_status: 'pending', os: null });

    const m1 = await h.api.get('/api/minions/m1');
    expect(m1.status).toBe(200);
    expect(m1.body).toMatchObject({ id: 'm1', status: 'online', is_stale: false });
    expect(m1.body.grains).toMatchObject({ id: 'm1', saltversion: lab.saltVersion, kernel: 'Linux' });
    expect(m1.body.grains.os).toBe(m1.body.os);
    expect(m1.body.refreshed).toEqual({
      keys: expect.any(String),
      presence: expect.any(String),
      grains: expect.any(String),
    });

    const p1 = await h.api.get('/api/minions/p1');
    expect(p1.body).toMatchObject({ id: 'p1', status: 'pending', grains: {} });
    const keys = await h.api.get('/api/keys');
    expect(keys.body.counts).toEqual({ accepted: 3, pending: 1, rejected: 0, denied: 0 });
    expect(keys.body.keys[0]).toEqual({ id: 'p1', status: 'pending' });
  });

  it('index a job run with the salt CLI (jobs poller), finished once Salt has its return', async () => {
    const cli = await lab.salt('--async', 'm1', 'test.arg', 'halite-runtime-probe');
    expect(cli.exitCode, cli.stderr).toBe(0);
    const jid = /job ID: (\d{20})/.exec(cli.stdout)?.[1];
    expect(jid, cli.stdout).toBeDefined();
    await until(
      async () => {
        const r = await lab.saltRun('jobs.lookup_jid', String(jid), '--out=json');
        return r.exitCode === 0 && JSON.parse(r.stdout).m1 !== undefined;
      },
      { timeoutMs: 15_000, what: `m1's return of ${jid} in the job cache` },
    );
    // The first jobs pass that starts after the job ended indexes it as finished, not running.
    const ended = Date.now();
    await until(
      async () => {
        const p = poller(await status(), 'jobs');
        return p.last_started_at !== null && Date.parse(p.last_started_at) > ended && !p.running;
      },
      { timeoutMs: 30_000, what: 'a jobs pass after the job ended' },
    );
    const found = await h.api.get(`/api/jobs?search=${jid}`);
    expect(found.body.total).toBe(1);
    const job = found.body.jobs[0];
    expect(job).toMatchObject({
      jid,
      function: 'test.arg',
      target: 'm1',
      target_type: 'glob',
      status: 'finished',
    });
    expect(Date.parse(job.start_time)).toBeGreaterThan(Date.now() - 120_000);
    const all = await h.api.get('/api/jobs?limit=200');
    expect(all.body.last_polled_at).toEqual(expect.any(String));
    // Salt's plumbing (runner and wheel calls, find_job and running probes) stays out of the index.
    for (const j of all.body.jobs) expect(j.function, j.jid).toMatch(/^test\./);
    // With the event stream off, the Store has no returns: the detail reads them from the job cache.
    const detail = await h.api.get(`/api/jobs/${jid}`);
    expect(detail.body).toMatchObject({
      jid,
      function: 'test.arg',
      target: 'm1',
      source: 'salt',
      results_total: 1,
    });
    expect(detail.body.results[0]).toMatchObject({ minion: 'm1', success: true });
    expect(detail.body.results[0].return_value.args).toEqual(['halite-runtime-probe']);
  });

  it('drop a minion whose key was deleted with salt-key', async () => {
    // m3 is stopped first: a connected minion re-authenticates when the master rotates its AES
    // key after the delete, and the lab's autosign file would accept m3 again at once.
    await lab.stopMinion('m3');
    const cli = await lab.saltKey('-d', 'm3', '-y');
    expect(cli.exitCode, cli.stderr).toBe(0);
    await until(
      async () => {
        const m3 = await h.api.get('/api/minions/m3');
        if (m3.status === 404) return true;
        throw new Error(
          `m3: ${m3.status} ${m3.body?.key_status}; keys poller: ${JSON.stringify(poller(await status(), 'minions.keys'))}`,
        );
      },
      { timeoutMs: 15_000, what: 'm3 gone from the Store' },
    );
    const keys = await h.api.get('/api/keys');
    expect(keys.body.counts).toEqual({ accepted: 2, pending: 1, rejected: 0, denied: 0 });
    expect(Object.keys(await minionsById()).sort()).toEqual(['m1', 'm2', 'p1']);
  });
});

describe('settings changes', () => {
  it('reload the pollers without a restart, leaving one set even after concurrent changes', async () => {
    const before = await status();
    const changes = await Promise.all(
      [4, 5, 6, 7].map((s) =>
        h.api.put('/api/admin/settings/pollers', { minion_state_grains_interval_seconds: s }),
      ),
    );
    expect(changes.map((c) => c.status)).toEqual([200, 200, 200, 200]);
    const set = await h.api.put('/api/admin/settings/pollers', { minion_state_keys_interval_seconds: 1 });
    expect(set.body.pollers.minion_state_keys_interval_seconds).toBe(1);
    const after = await status();
    expect(after.salt.state).toBe('connected');
    expect(after.salt.connected_at).not.toBe(before.salt.connected_at);
    expect(after.pollers.map((p: Json) => p.name).sort()).toEqual([
      'jobs',
      'minions.grains',
      'minions.keys',
      'minions.presence',
      'retention',
    ]);

    // One keys loop with a 1 s pause: consecutive tick starts are at least 1 s apart. A second,
    // orphaned loop (with its older 2 s interval) would interleave starts closer than that.
    const from = Date.now();
    await until(
      () =>
        h.logger.lines.filter(
          (l) => l.at > from && l.message === 'periodic task finished' && l.fields?.task === 'minions.keys',
        ).length >= 4,
      { timeoutMs: 20_000, what: 'four keys ticks' },
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const starts = h.logger.lines
      .filter(
        (l) => l.at > from && l.message === 'periodic task finished' && l.fields?.task === 'minions.keys',
      )
      .map((l) => l.at - Number(l.fields?.duration_ms))
      .sort((a, b) => a - b);
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    expect(Math.min(...gaps), `gaps between keys ticks: ${gaps.join(', ')} ms`).toBeGreaterThanOrEqual(950);
    const keys = poller(await status(), 'minions.keys');
    expect(keys).toMatchObject({ enabled: true, last_outcome: 'ok', failures: 0 });

    const restored = await h.api.put('/api/admin/settings/pollers', FAST_POLLERS);
    expect(restored.body.pollers).toMatchObject({
      minion_state_keys_interval_seconds: 2,
      minion_state_grains_interval_seconds: 3,
    });
  });

  it('to a wrong password or eauth fail the connection (actions 503, reads served); correcting them reconnects', async () => {
    for (const [wrong, right] of [
      [{ password: 'not-the-password' }, { password: lab.password }],
      [{ eauth: 'pam' }, { eauth: lab.eauth }],
    ] as const) {
      try {
        const bad = await h.api.put('/api/admin/settings/salt', wrong);
        expect(bad.status).toBe(200);
        expect(bad.body.salt.password_set).toBe(true);
        expect(JSON.stringify(bad.body)).not.toContain('not-the-password');
        const failed = await status();
        expect(failed.salt).toMatchObject({ state: 'failed', connected_at: null });
        expect(failed.salt.detail).toContain('refused the credentials');
        expect(failed.pollers.map((p: Json) => p.name)).toEqual(['retention']);
        expect(failed.event_stream).toBeNull();

        const run = await h.api.post('/api/run', { tgt: 'm1', fun: 'test.ping' });
        expect(run.status).toBe(503);
        expect(run.body.error.code).toBe('salt_unavailable');
        const minions = await h.api.get('/api/minions');
        expect(minions.status).toBe(200);
        expect(minions.body.total).toBe(3);
      } finally {
        // Put the right setting back even when an assertion failed, so later tests start connected.
        if ((await status()).salt.state !== 'connected') await h.api.put('/api/admin/settings/salt', right);
      }
      expect((await status()).salt).toMatchObject({ state: 'connected', detail: null });
      const since = Date.now();
      await until(
        async () => {
          const k = poller(await status(), 'minions.keys');
          return k.runs > 0 && k.last_outcome === 'ok' && Date.parse(k.last_started_at) >= since - 1_000;
        },
        { timeoutMs: 15_000, what: 'a keys pass after reconnecting' },
      );
    }
    const ran = await h.api.post('/api/run', { tgt: 'm1', fun: 'test.ping' });
    expect(ran.status).toBe(202);
  });

  it('switch the event stream on and off without a restart', async () => {
    await h.api.put('/api/admin/settings/pollers', { event_stream_enabled: true });
    await until(
      async () => {
        const stream = (await status()).event_stream;
        if (stream?.state === 'connected') return true;
        throw new Error(`event_stream: ${JSON.stringify(stream)}`);
      },
      { timeoutMs: 15_000, what: 'the consumer connected' },
    );
    const stream = await fetch(`${h.url}/api/activity/stream`, { signal: AbortSignal.timeout(5_000) });
    expect(stream.status).toBe(200);
    await stream.body?.cancel();

    await h.api.put('/api/admin/settings/pollers', { event_stream_enabled: false });
    const s = await status();
    expect(s.event_stream).toBeNull();
    expect(s.pollers).toHaveLength(5);
    const off = await h.api.get('/api/activity/stream');
    expect(off.status).toBe(503);
  });
});

describe('a salt-api outage', () => {
  it('keeps reads served, answers actions 503 and shows poller errors; recovers once salt-api is back', async () => {
    await lab.stopApi();
    try {
      const minions = await h.api.get('/api/minions');
      expect(minions.status).toBe(200);
      expect(minions.body.minions.map((m: Json) => m.id)).toEqual(['m1', 'm2', 'p1']);
      expect((await h.api.get('/api/minions/m1')).body.grains.id).toBe('m1');
      expect((await h.api.get('/api/jobs')).body.total).toBeGreaterThan(0);
      expect((await h.api.get('/api/keys')).status).toBe(200);

      const run = await h.api.post('/api/run', { tgt: 'm1', fun: 'test.ping' });
      expect(run.status).toBe(503);
      expect(run.body.error.code).toBe('salt_unavailable');
      const accept = await h.api.post('/api/keys/p1/accept');
      expect(accept.status).toBe(503);

      const down = await until(
        async () => {
          const s = await status();
          const names = ['minions.keys', 'minions.presence', 'jobs'];
          return names.every((n) => poller(s, n).last_outcome === 'error') ? s : undefined;
        },
        { timeoutMs: 30_000, what: 'poller errors in /api/admin/status' },
      );
      expect(poller(down, 'minions.keys').failures).toBeGreaterThan(0);
      expect(poller(down, 'minions.keys').last_error).toMatch(/refused|unavailable|reach/i);
      expect(down.pollers).toHaveLength(5);
      // The connection made at boot does not count: Salt is reported failed, reads still served.
      expect(down.salt).toMatchObject({ state: 'failed', last_error_at: expect.any(String) });
      expect(down.salt.detail).toMatch(/not reachable/);
      const readyz = await h.api.get('/readyz');
      expect(readyz).toEqual({
        status: 200,
        body: { status: 'degraded', checks: { db: 'ok', salt: 'failed' } },
      });
    } finally {
      await lab.startApi();
    }
    const back = Date.now();
    await until(
      async () => {
        const s = await status();
        return ['minions.keys', 'minions.presence', 'jobs'].every((n) => {
          const p = poller(s, n);
          return p.last_outcome === 'ok' && Date.parse(p.last_started_at) >= back;
        });
      },
      { timeoutMs: 30_000, what: 'pollers ok again after salt-api came back' },
    );
    const run = await h.api.post('/api/run', { tgt: 'm1', fun: 'test.ping' });
    expect(run.status).toBe(202);
    expect(run.body.minions).toEqual(['m1']);
    expect((await h.api.get('/readyz')).body).toEqual({
      status: 'ready',
      checks: { db: 'ok', salt: 'connected' },
    });
  });
});

describe('jobs run through Halite with the event stream off and the jobs poller at 0', () => {
  const indexed = async (jid: string): Promise<Json> =>
    (await h.api.get(`/api/jobs?search=${jid}`)).body.jobs.find((j: Json) => j.jid === jid);

  it('finish in the index with their returns, and a killed job finishes too', async () => {
    const off = await h.api.put('/api/admin/settings/pollers', {
      jobs_poll_interval_seconds: 0,
      event_stream_enabled: false,
    });
    expect(off.status).toBe(200);

    const ping = await h.api.post('/api/run', { tgt: 'm1', fun: 'test.ping' });
    expect(ping.status).toBe(202);
    const done = await until(
      async () => {
        const job = await indexed(ping.body.jid);
        return job?.status === 'finished' ? job : undefined;
      },
      { timeoutMs: 40_000, what: `${ping.body.jid} finished in the index` },
    );
    expect(done).toMatchObject({
      function: 'test.ping',
      minion_count: 1,
      returned_count: 1,
      success_count: 1,
    });

    const sleep = await h.api.post('/api/run', { tgt: 'm2', fun: 'test.sleep', arg: [120] });
    expect(sleep.status).toBe(202);
    const { jid } = sleep.body;
    await until(
      async () => {
        const r = await lab.salt('m2', 'saltutil.running', '--out=json', '--static');
        return r.stdout.includes(jid);
      },
      { timeoutMs: 20_000, what: `${jid} running on m2` },
    );
    expect((await indexed(jid)).status).toBe('running');
    expect((await h.api.post(`/api/jobs/${jid}/kill`)).status).toBe(202);
    const killed = await until(
      async () => {
        const job = await indexed(jid);
        return job?.status === 'finished' ? job : undefined;
      },
      { timeoutMs: 60_000, what: `killed ${jid} finished in the index` },
    );
    expect(killed).toMatchObject({ function: 'test.sleep', returned_count: 0, end_time: expect.any(String) });
  });
});

describe('a wrong saved password at boot', () => {
  it('boots failed (actions 503); correcting the password through settings connects', async () => {
    const first = await startHalite();
    const dir = first.filename.replace(/\/halite\.sqlite$/, '');
    await configureSalt(first.api, lab);
    expect((await first.api.put('/api/admin/settings/salt', { password: 'wrong' })).status).toBe(200);
    await first.close();

    const again = await startHalite({ dir });
    try {
      const s = (await again.api.get('/api/admin/status')).body;
      expect(s.salt).toMatchObject({ state: 'failed', url: lab.url, missing: [] });
      expect(s.salt.detail).toContain('refused the credentials');
      const run = await again.api.post('/api/run', { tgt: 'm1', fun: 'test.ping' });
      expect(run.status).toBe(503);
      expect((await again.api.get('/readyz')).body.checks.salt).toBe('failed');

      const fixed = await again.api.put('/api/admin/settings/salt', { password: lab.password });
      expect(fixed.status).toBe(200);
      expect((await again.api.get('/api/admin/status')).body.salt.state).toBe('connected');
      await until(async () => (await again.api.get('/api/minions/m1')).body.status === 'online', {
        timeoutMs: 20_000,
        what: 'm1 online after the fix',
      });
      expect((await again.api.post('/api/run', { tgt: 'm1', fun: 'test.ping' })).status).toBe(202);
    } finally {
      await again.close({ removeDir: true });
    }
  });
});
