import { SaltAPIClient } from '@halite/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoopbackSaltApi, wheelReturn } from './loopback-salt-api.js';
import { createTestHalite, type TestHalite } from './seeded-halite.js';

let t: TestHalite;
let salt: LoopbackSaltApi;

beforeEach(async () => {
  salt = new LoopbackSaltApi((chunk) =>
    chunk.fun === 'key.accept'
      ? wheelReturn('key.accept', { minions: [chunk.match] })
      : wheelReturn(String(chunk.fun), {
          minions: [],
          minions_pre: [],
          minions_rejected: [],
          minions_denied: [],
        }),
  );
  await salt.start();
  // Salt's failures are seen at once, without the client's retries.
  t = await createTestHalite({
    halite: { createClient: (options) => new SaltAPIClient({ ...options, retry: { retries: 0 } }) },
  });
  // No poll on its own (keys only when triggered): the test decides when salt-api is called.
  await t.store.settings.update({
    minionKeysIntervalSeconds: 86_400,
    minionInitialDelaySeconds: 3_600,
    minionPresenceIntervalSeconds: 0,
    minionGrainsIntervalSeconds: 0,
    jobsPollIntervalSeconds: 0,
  });
  await t.halite.settings.updateSalt({ url: salt.url, username: 'halite', password: 'pw', eauth: 'pam' });
});
afterEach(async () => {
  await t.close();
  await salt.stop();
});

interface Readiness {
  status: string;
  checks: { db: string; salt: string };
}
const readyz = async () => {
  const res = await t.request('GET', '/readyz');
  return { status: res.status, body: (await res.json()) as Readiness };
};

describe('readiness follows salt-api after the login, not only at it', () => {
  it('says degraded (still 200) once a call finds salt-api down, and ready when one gets through again', async () => {
    expect(await readyz()).toEqual({
      status: 200,
      body: { status: 'ready', checks: { db: 'ok', salt: 'connected' } },
    });

    await salt.stop();
    const accept = await t.request('POST', '/api/keys/web-01/accept');
    expect(accept.status).toBe(503);
    expect(await readyz()).toEqual({
      status: 200,
      body: { status: 'degraded', checks: { db: 'ok', salt: 'failed' } },
    });
    const status = t.halite.runtime.status().salt;
    expect(status.state).toBe('failed');
    expect(status.detail).toMatch(/^salt-api is not reachable/);
    expect(status.last_error_at).not.toBeNull();
    // The client stays: the next action tries salt-api again rather than answering 503 blind.
    await salt.start();
    expect((await t.request('POST', '/api/keys/web-01/accept')).status).toBe(204);
    expect(await readyz()).toEqual({
      status: 200,
      body: { status: 'ready', checks: { db: 'ok', salt: 'connected' } },
    });
    expect(t.halite.runtime.status().salt).toMatchObject({
      state: 'connected',
      detail: null,
      last_error_at: null,
    });
  });

  it('notices a poll that cannot reach salt-api too', async () => {
    await salt.stop();
    t.halite.runtime.triggerPollers(['minions.keys']);
    await expect.poll(() => t.halite.runtime.status().salt.state, { timeout: 10_000 }).toBe('failed');
    expect((await readyz()).body.status).toBe('degraded');
  });

  it('shows the reachability in GET /api/admin/status', async () => {
    await salt.stop();
    await t.request('POST', '/api/keys/web-01/reject');
    const res = await t.request('GET', '/api/admin/status');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { salt: Record<string, unknown> };
    expect(body.salt).toMatchObject({ state: 'failed', url: salt.url, last_ok_at: expect.any(String) });
    expect(String(body.salt.detail)).toMatch(/not reachable/);
  });
});
