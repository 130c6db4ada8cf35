import { jobFromEvent, SaltAPIClient } from '@halite/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoopbackSaltApi, type LowstateChunk } from './loopback-salt-api.js';
import { createTestHalite, type TestHalite } from './seeded-halite.js';

const JID = '20250615123456123456';
/** The salt-api account Halite logs in as: what Salt records as the job's user. */
const SERVICE_ACCOUNT = 'saltapi';

let salt: LoopbackSaltApi;
let t: TestHalite;
let token: string;
/** Whether the fake master's job cache has the job yet (it has once the run published it). */
let published: boolean;

function answer(chunk: LowstateChunk): unknown {
  if (chunk.client === 'local_async') {
    published = true;
    return { jid: JID, minions: ['m1', 'm2'] };
  }
  if (chunk.fun === 'jobs.list_jobs') {
    if (!published) return {};
    return {
      [JID]: {
        Function: 'test.ping',
        Arguments: [],
        Target: 'm*',
        'Target-type': 'glob',
        User: SERVICE_ACCOUNT,
        StartTime: '2025, Jun 15 12:34:56.123456',
      },
    };
  }
  if (chunk.fun === 'jobs.active') return {};
  return true;
}

beforeEach(async () => {
  published = false;
  salt = new LoopbackSaltApi(answer);
  await salt.start();
  t = await createTestHalite({
    auth: 'builtin',
    halite: {
      createClient: (options) => new SaltAPIClient({ ...options, retry: { retries: 0 } }),
      // Leave finishing the job to the jobs poller this test drives.
      jobFollowUp: { delaysMs: [3_600_000] },
    },
  });
  await t.store.settings.update({
    eventStreamEnabled: false,
    jobsPollIntervalSeconds: 3600,
    minionKeysIntervalSeconds: 0,
    minionPresenceIntervalSeconds: 0,
    minionGrainsIntervalSeconds: 0,
  });
  await t.halite.settings.updateSalt({
    url: salt.url,
    username: SERVICE_ACCOUNT,
    password: 'pw',
    eauth: 'pam',
  });
  const alice = await t.store.users.create({
    username: 'alice',
    passwordHash: await t.halite.auth.hashPassword('pw-12345678'),
  });
  const operator = await t.store.roles.getByName('operator');
  if (!operator) throw new Error('the operator role is seeded');
  await t.store.roles.assign(alice.id, operator.id);
  token = (await t.halite.tokens.create(alice.id, { name: 'runs' })).token;
});
afterEach(async () => {
  await t.close();
  await salt.stop();
});

const authorization = () => ({ authorization: `Bearer ${token}` });

async function listed(): Promise<{ user: string; initiator: string | null; status: string } | undefined> {
  const res = await t.request('GET', '/api/jobs', { headers: authorization() });
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    jobs: Array<{ jid: string; user: string; initiator: string | null; status: string }>;
  };
  return body.jobs.find((j) => j.jid === JID);
}

describe('a job run through Halite', () => {
  it("records the Halite user as initiator, Salt's account as user, and keeps both through a jobs poll", async () => {
    const run = await t.request('POST', '/api/run', {
      body: { tgt: 'm*', fun: 'test.ping' },
      headers: authorization(),
    });
    expect(run.status).toBe(202);
    expect(await listed()).toMatchObject({ user: SERVICE_ACCOUNT, initiator: 'alice', status: 'running' });

    // The jobs poller reads the job back from Salt (user = the service account, no initiator)
    // and, as jobs.active no longer lists it, marks it finished in the same pass.
    t.halite.runtime.triggerPollers(['jobs']);
    await expect
      .poll(async () => (await t.store.jobs.get(JID))?.status, { timeout: 10_000 })
      .toBe('finished');
    expect(salt.calls.some((c) => c.fun === 'jobs.list_jobs')).toBe(true);
    expect(await listed()).toEqual(
      expect.objectContaining({ user: SERVICE_ACCOUNT, initiator: 'alice', status: 'finished' }),
    );

    const detail = await t.request('GET', `/api/jobs/${JID}`, { headers: authorization() });
    expect(await detail.json()).toMatchObject({ user: SERVICE_ACCOUNT, initiator: 'alice' });

    const jids = async (query: string) => {
      const res = await t.request('GET', `/api/jobs?${query}`, { headers: authorization() });
      expect(res.status).toBe(200);
      return ((await res.json()) as { jobs: Array<{ jid: string }> }).jobs.map((j) => j.jid);
    };
    expect(await jids('initiator=alice')).toEqual([JID]);
    expect(await jids('initiator=bob,alice')).toEqual([JID]);
    expect(await jids('initiator=bob')).toEqual([]);
    expect(await jids(`user=${SERVICE_ACCOUNT}`)).toEqual([JID]);
    expect(await jids('user=alice')).toEqual([]);
  });

  it('refuses an initiator filter longer than a username with a 400 naming the field', async () => {
    const res = await t.request('GET', `/api/jobs?initiator=${'a'.repeat(256)}`, {
      headers: authorization(),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { issues: { path: string }[] } };
    };
    expect(body.error.code).toBe('invalid_input');
    expect(body.error.message).toContain('query.initiator');
    expect(body.error.details.issues.some((i) => i.path.startsWith('query.initiator'))).toBe(true);
  });

  it('keeps the initiator when the job.new event arrives with the user Salt recorded', async () => {
    expect(
      (
        await t.request('POST', '/api/run', {
          body: { tgt: 'm*', fun: 'test.ping' },
          headers: authorization(),
        })
      ).status,
    ).toBe(202);
    const row = jobFromEvent({
      event_type: 'job.new',
      category: 'job',
      occurred_at: '2025-06-15T12:34:56.130Z',
      jid: JID,
      fun: 'test.ping',
      target: 'm*',
      target_type: 'glob',
      initiator: 'salt-master-user',
      minion_count: 2,
    } as Parameters<typeof jobFromEvent>[0]);
    expect(row).not.toBeNull();
    await t.store.jobs.upsert([row as NonNullable<typeof row>]);
    expect(await listed()).toMatchObject({ user: 'salt-master-user', initiator: 'alice' });
  });

  it('shows a null initiator for a job Halite only saw in Salt', async () => {
    published = true;
    t.halite.runtime.triggerPollers(['jobs']);
    await expect
      .poll(async () => (await t.store.jobs.get(JID))?.status, { timeout: 10_000 })
      .toBe('finished');
    expect(await listed()).toMatchObject({ user: SERVICE_ACCOUNT, initiator: null });
  });
});
