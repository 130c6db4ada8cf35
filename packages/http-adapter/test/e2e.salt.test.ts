import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@halite/core';
import { type SaltLab, startSaltLab } from '@halite/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server/serve.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies, checked by the assertions
type Json = any;

let lab: SaltLab;
let server: RunningServer;
let dir: string;
const warnings: string[] = [];

const logger: Logger = {
  debug() {},
  info() {},
  warn: (message, fields) => void warnings.push(`${message} ${JSON.stringify(fields ?? {})}`),
  error: (message, fields) => void warnings.push(`${message} ${JSON.stringify(fields ?? {})}`),
};

/** `HALITE_ADMIN_PASSWORD`: the first-boot admin's password, to be changed at first login. */
const ADMIN_PASSWORD = 'e2e-first-boot-password';
/** The session cookie of the logged-in admin. */
let cookie = '';
/** The jid of the test.ping run, for the audit check. */
let pingJid = '';

async function call(method: string, p: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (cookie) headers.cookie = cookie;
  const res = await fetch(`${server.url}${p}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(60_000),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith('halite_session='));
  if (session) cookie = session.split(';')[0] as string;
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}
const get = (p: string) => call('GET', p);
const post = (p: string, body: unknown = {}) => call('POST', p, body);
const put = (p: string, body: unknown) => call('PUT', p, body);

/** Polls `probe` until it returns a value other than undefined/null/false; bounded. */
async function until<T>(probe: () => Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last !== undefined && last !== null && last !== false) return last as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await sleep(250);
  }
}

/** The jids a minion is running now, from the minion itself. */
async function runningOn(minion: string): Promise<string[]> {
  const r = await lab.salt(minion, 'saltutil.running', '--out=json', '--static');
  const jobs = (JSON.parse(r.stdout) as Record<string, Array<{ jid: string }>>)[minion];
  if (!Array.isArray(jobs)) throw new Error(`saltutil.running on ${minion}: ${r.stdout} ${r.stderr}`);
  return jobs.map((j) => j.jid);
}

beforeAll(async () => {
  lab = await startSaltLab({ minions: ['m1', 'm2', 'm3'], pending: ['p1'] });
  dir = await mkdtemp(path.join(os.tmpdir(), 'halite-e2e-http-'));
  server = await startServer(
    {
      secret: 'halite-e2e-secret-0123456789abcdef-0123456789',
      databaseUrl: path.join(dir, 'halite.sqlite'),
      host: '127.0.0.1',
      port: 0,
      trustProxy: false,
      consoleDir: null,
      salt: null,
      adminPassword: ADMIN_PASSWORD,
    },
    logger,
  );
});

afterAll(async () => {
  await server?.close();
  await lab?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the reference server against a real Salt', () => {
  it('logs the first-boot admin in and has the password changed', async () => {
    expect((await get('/api/minions')).status).toBe(401);
    const login = await post('/api/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ username: 'admin', must_change_pw: true });
    expect(cookie).toMatch(/^halite_session=./);
    expect((await get('/api/minions')).status).toBe(403);
    const changed = await post('/api/auth/change-password', {
      current_password: ADMIN_PASSWORD,
      new_password: 'e2e-admin-password-2',
    });
    expect(changed.status).toBe(204);
    expect((await get('/api/auth/me')).body).toMatchObject({ username: 'admin', must_change_pw: false });
  });

  it('serves an unconfigured install', async () => {
    expect((await get('/healthz')).body).toEqual({ status: 'ok' });
    const setup = await get('/api/admin/settings/status');
    expect(setup.body).toMatchObject({
      configured: false,
      missing: ['salt.url', 'salt.username', 'salt.password'],
    });
    expect((await get('/api/minions')).body).toMatchObject({ total: 0, minions: [] });
  });

  it('tests the connection, saves it, and shows the minions', async () => {
    const connection = { url: lab.url, username: lab.username, password: lab.password, eauth: lab.eauth };
    const wrong = await post('/api/admin/settings/test-salt', { ...connection, password: 'nope' });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ ok: false, minion_count: null });
    const test = await post('/api/admin/settings/test-salt', connection);
    expect(test.status).toBe(200);
    expect(test.body).toEqual({ ok: true, detail: 'Logged in.', minion_count: 3 });
    // Nothing was saved by the tests.
    expect((await get('/api/admin/settings')).body.salt).toMatchObject({ url: null, password_set: false });

    const pollers = await put('/api/admin/settings/pollers', {
      minion_state_keys_interval_seconds: 2,
      minion_state_presence_interval_seconds: 2,
      minion_state_grains_interval_seconds: 3,
      minion_state_initial_delay_seconds: 1,
      jobs_poll_interval_seconds: 3,
    });
    expect(pollers.status).toBe(200);
    const saved = await put('/api/admin/settings/salt', connection);
    expect(saved.status).toBe(200);
    expect(saved.body.salt).toEqual({
      url: lab.url,
      username: lab.username,
      password_set: true,
      verify: true,
      eauth: 'file',
    });
    expect((await get('/api/admin/settings/status')).body).toEqual({
      configured: true,
      missing: [],
      detail: null,
    });
    expect((await get('/readyz')).body).toEqual({ status: 'ready', checks: { db: 'ok', salt: 'connected' } });

    const list = await until(async () => {
      const r = await get('/api/minions');
      const online = r.body.minions.filter((m: Json) => m.status === 'online' && m.os !== null);
      return online.length === 3 && r.body.total === 4 ? r.body : undefined;
    }, 'three online minions with grains and the pending one');
    expect(list.minions.map((m: Json) => [m.id, m.status])).toEqual([
      ['m1', 'online'],
      ['m2', 'online'],
      ['m3', 'online'],
      ['p1', 'pending'],
    ]);
    const m2 = await get('/api/minions/m2');
    expect(m2.body.grains).toMatchObject({ id: 'm2', saltversion: lab.saltVersion });
    const stats = await get('/api/minions/stats');
    expect(stats.body).toMatchObject({ total: 4 });
  });

  it('accepts the pending key', async () => {
    const keys = await get('/api/keys');
    expect(keys.body.keys[0]).toEqual({ id: 'p1', status: 'pending' });
    const accept = await post('/api/keys/p1/accept');
    expect(accept.status).toBe(204);
    // Written to the Store at once, not at the next poll. (A keys pass already in flight can
    // write its older view over it for a moment; the pass the action triggers corrects it.)
    await until(
      async () => {
        const accepted = (await get('/api/keys?status=accepted')).body.keys.map((k: Json) => k.id);
        return (
          accepted.join() === 'm1,m2,m3,p1' && (await get('/api/minions/p1')).body.key_status === 'accepted'
        );
      },
      'p1 accepted in the Store',
      3_000,
    );
    const listed = await lab.saltKey('-L', '--out=json');
    expect(JSON.parse(listed.stdout).minions).toContain('p1');
    // p1 retries its key every second or two; once accepted it connects.
    await until(async () => (await lab.salt('p1', 'test.ping', '--out=json')).exitCode === 0, 'p1 to answer');
    await until(
      async () => (await get('/api/minions/p1')).body.status === 'online',
      'p1 online in the Store',
    );
  });

  it('runs test.ping and shows the job with its results', async () => {
    const run = await post('/api/run', { tgt: '*', fun: 'test.ping' });
    expect(run.status).toBe(202);
    expect(run.body.jid).toMatch(/^\d{20}$/);
    expect([...run.body.minions].sort()).toEqual(['m1', 'm2', 'm3', 'p1']);
    const { jid } = run.body;
    pingJid = jid;

    const listed = await get('/api/jobs');
    expect(listed.body.jobs[0]).toMatchObject({ jid, function: 'test.ping', target: '*', minion_count: 4 });

    const detail = await until(async () => {
      const r = await get(`/api/jobs/${jid}`);
      return r.status === 200 && r.body.results_total === 4 ? r.body : undefined;
    }, `the results of ${jid}`);
    // The event stream is off (the default): the results come from the master's job cache.
    expect(detail).toMatchObject({
      jid,
      function: 'test.ping',
      target: '*',
      source: 'salt',
      minion_count: 4,
      returned_count: 4,
      success_count: 4,
      failure_count: 0,
      status: 'finished',
    });
    expect(detail.results.map((r: Json) => [r.minion, r.success, r.return_value])).toEqual([
      ['m1', true, true],
      ['m2', true, true],
      ['m3', true, true],
      ['p1', true, true],
    ]);
  });

  it('kills a running job', async () => {
    const run = await post('/api/run', { tgt: 'm1', fun: 'test.sleep', arg: [60] });
    expect(run.status).toBe(202);
    expect(run.body.minions).toEqual(['m1']);
    const { jid } = run.body;
    await until(async () => (await runningOn('m1')).includes(jid), `${jid} running on m1`);
    await until(
      async () => (await get(`/api/jobs/${jid}`)).body.status === 'running',
      `${jid} running in the index`,
    );

    const kill = await post(`/api/jobs/${jid}/kill`);
    expect(kill.status).toBe(202);
    expect(kill.body.jid).toMatch(/^\d{20}$/);
    expect(kill.body.jid).not.toBe(jid);
    expect(kill.body.minions).toEqual(['m1']);

    await until(async () => !(await runningOn('m1')).includes(jid), `${jid} gone from m1`, 15_000);
    const active = await lab.saltRun('jobs.active', '--out=json');
    expect(active.stdout).not.toContain(jid);
    await until(
      async () => (await get(`/api/jobs/${jid}`)).body.status === 'finished',
      `${jid} finished in the index`,
      20_000,
    );
  });

  it('answers 400 for a function that is not module.function, 404 for an unknown key', async () => {
    const bad = await post('/api/run', { tgt: '*', fun: 'ping' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    expect(JSON.stringify(bad.body.error)).toContain('fun');

    const unknown = await post('/api/keys/no-such-minion/accept');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const reject = await post('/api/keys/no-such-minion/reject');
    expect(reject.status).toBe(404);
  });

  it('audited every action with its Salt jid and without the salt-api password', async () => {
    const audit = await get('/api/audit?limit=200');
    expect(audit.status).toBe(200);
    const entries: Json[] = audit.body.entries;
    const run = entries.find((e) => e.action === 'salt.run' && e.salt_jid === pingJid);
    expect(run).toMatchObject({ username: 'admin', decision: 'allow', result_code: 202 });
    const accepts = entries.filter((e) => e.action === 'key.accept');
    expect(accepts.map((e) => [e.resource, e.decision, e.result_code])).toEqual([
      ['key:no-such-minion', 'deny', 404],
      ['key:p1', 'allow', 204],
    ]);
    const kill = entries.find((e) => e.action === 'job.kill');
    expect(kill).toMatchObject({
      decision: 'allow',
      result_code: 202,
      salt_jid: expect.stringMatching(/^\d{20}$/),
    });
    const denied = entries.filter((e) => e.decision === 'deny').map((e) => e.result_code);
    expect(denied).toEqual(expect.arrayContaining([400, 404]));
    const saved = entries.find((e) => e.action === 'settings.salt.update');
    expect(saved).toBeDefined();
    expect(JSON.stringify(entries)).not.toContain(`"password":"${lab.password}"`);
  });

  it('logged no unexpected errors', () => {
    expect(warnings.filter((w) => !/periodic task failed|retrying/.test(w))).toEqual([]);
  });
});
