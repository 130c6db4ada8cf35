import { type SaltLab, startSaltLab } from '@halite/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHalite, type TestHalite } from './seeded-halite.js';

// The run form's autocomplete against a real master: one online minion's sys.list_functions.
let lab: SaltLab;
let t: TestHalite;

beforeAll(async () => {
  lab = await startSaltLab({ minions: ['m1'] });
  t = await createTestHalite();
  await t.halite.settings.updatePollers({
    minion_state_keys_interval_seconds: 0,
    minion_state_presence_interval_seconds: 0,
    minion_state_grains_interval_seconds: 0,
    jobs_poll_interval_seconds: 0,
  });
  await t.halite.settings.updateSalt({
    url: lab.url,
    username: lab.username,
    password: lab.password,
    // The lab's salt-api authenticates with the file eauth backend.
    eauth: 'file',
  });
}, 300_000);

afterAll(async () => {
  await t?.close();
  await lab?.stop();
});

describe('GET /api/salt/functions on a real master', () => {
  it('answers an empty list while no minion is known to be online', async () => {
    const res = await t.request('GET', '/api/salt/functions');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ functions: [], minion: null, fetched_at: null });
  });

  it("lists an online minion's execution functions, then serves them from the cache", async () => {
    await t.store.minions.reconcile({
      insert: [{ minionId: 'm1', keyStatus: 'accepted', isOnline: true }],
      refreshed: { keys: new Date(), presence: new Date() },
    });
    const first = await t.request('GET', '/api/salt/functions');
    expect(first.status).toBe(200);
    const body = await first.json();
    expect(body.minion).toBe('m1');
    expect(body.functions).toEqual(
      expect.arrayContaining(['test.ping', 'cmd.run', 'state.apply', 'grains.items']),
    );
    expect(body.functions).toEqual([...body.functions].sort());
    const second = await (await t.request('GET', '/api/salt/functions')).json();
    expect(second.fetched_at).toBe(body.fetched_at);
  }, 120_000);
});
