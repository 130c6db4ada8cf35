import { SaltAPIClient } from '@halite/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoopbackSaltApi, type LowstateChunk, wheelReturn } from './loopback-salt-api.js';
import { createTestHalite, NOW, type TestHalite } from './seeded-halite.js';

let t: TestHalite;
let salt: LoopbackSaltApi;
/** Each `key.list_all` answer waits for its own gate; the test opens them one by one. */
let gates: Array<() => void>;
let requests: Array<Promise<void>>;
let notify: Array<() => void>;

const BUCKETS = {
  minions: [] as string[],
  minions_pre: ['web-01'],
  minions_rejected: [],
  minions_denied: [],
};

beforeEach(async () => {
  BUCKETS.minions = [];
  BUCKETS.minions_pre = ['web-01'];
  gates = [];
  notify = [];
  requests = [0, 1, 2].map((i) => new Promise<void>((resolve) => (notify[i] = resolve)));
  let listCalls = 0;
  salt = new LoopbackSaltApi(async (chunk: LowstateChunk) => {
    if (chunk.fun === 'key.list_all') {
      // The list as it is when asked; the answer leaves only when the test opens its gate.
      const snapshot = structuredClone(BUCKETS);
      const held = new Promise<void>((resolve) => gates.push(resolve));
      notify[listCalls++]?.();
      await held;
      return wheelReturn('key.list_all', snapshot);
    }
    if (chunk.fun === 'key.delete') {
      BUCKETS.minions = [];
      BUCKETS.minions_pre = [];
      return wheelReturn('key.delete', { minions_pre: ['web-01'] });
    }
    if (chunk.fun === 'key.accept') {
      BUCKETS.minions = ['web-01'];
      BUCKETS.minions_pre = [];
      return wheelReturn('key.accept', { minions: ['web-01'] });
    }
    return true;
  });
  await salt.start();
  let ms = NOW.getTime();
  t = await createTestHalite({
    halite: {
      createClient: (options) => new SaltAPIClient({ ...options, retry: { retries: 0 } }),
      // A clock that moves: the action comes after the poll's fetch started.
      now: () => {
        ms += 1;
        return new Date(ms);
      },
    },
  });
  await t.store.minions.reconcile({ insert: [{ minionId: 'web-01', keyStatus: 'pending' }] });
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
  for (const open of gates) open();
  await t.close();
  await salt.stop();
});

const keysPoll = () => t.halite.runtime.status().pollers.find((p) => p.name === 'minions.keys');

describe('a key action racing a keys poll already in flight', () => {
  it('is not overwritten by the list the poll fetched before it', async () => {
    t.halite.runtime.triggerPollers(['minions.keys']);
    await requests[0];
    expect((await t.request('POST', '/api/keys/web-01/accept')).status).toBe(204);
    expect((await t.store.minions.get('web-01'))?.keyStatus).toBe('accepted');
    // The poll in flight answers with the list from before the accept.
    gates[0]?.();
    await expect.poll(() => keysPoll()?.runs ?? 0, { timeout: 10_000 }).toBe(1);
    expect(keysPoll()?.last_outcome).toBe('ok');
    // The accept asked for another keys pass; it is held, so this is what the first one left.
    await requests[1];
    expect((await t.store.minions.get('web-01'))?.keyStatus).toBe('accepted');
    gates[1]?.();
    await expect.poll(() => keysPoll()?.runs ?? 0, { timeout: 10_000 }).toBe(2);
    expect((await t.store.minions.get('web-01'))?.keyStatus).toBe('accepted');
  });
  it('a key deleted meanwhile is not brought back by the list the poll fetched before', async () => {
    t.halite.runtime.triggerPollers(['minions.keys']);
    await requests[0];
    expect((await t.request('DELETE', '/api/keys/web-01')).status).toBe(204);
    expect(await t.store.minions.get('web-01')).toBeUndefined();
    gates[0]?.();
    await expect.poll(() => keysPoll()?.runs ?? 0, { timeout: 10_000 }).toBe(1);
    expect(keysPoll()?.last_outcome).toBe('ok');
    await requests[1];
    expect(await t.store.minions.get('web-01')).toBeUndefined();
  });
});
