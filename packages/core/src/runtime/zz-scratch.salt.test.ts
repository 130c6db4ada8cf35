import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SaltLab, startSaltLab } from '../../../testkit/src/lab/lab.js';
import { configureSalt, FAST_POLLERS, type HaliteUnderTest, startHalite, stopLab, until } from './halite-harness.salt.js';

let lab: SaltLab;
let h: HaliteUnderTest;
beforeAll(async () => {
  lab = await startSaltLab({ minions: ['m1'] });
  h = await startHalite();
  await configureSalt(h.api, lab, { ...FAST_POLLERS, event_stream_enabled: true });
});
afterAll(async () => {
  await h?.close({ removeDir: true });
  await stopLab(lab);
});
it('scratch', async () => {
  await until(async () => (await h.api.get('/api/admin/status')).body.event_stream?.state === 'connected');
  const run = await h.api.post('/api/run', { tgt: 'm1', fun: 'test.sleep', arg: [30] });
  const jid = run.body.jid;
  console.log('right after run', (await h.api.get(`/api/jobs/${jid}`)).body.user);
  await new Promise((r) => setTimeout(r, 15000));
  console.log('after event+poll', JSON.stringify((await h.api.get(`/api/jobs/${jid}`)).body));
  const kill = await h.api.post(`/api/jobs/${jid}/kill`);
  await h.api.put('/api/admin/settings/pollers', { jobs_poll_interval_seconds: 0 });
  await new Promise((r) => setTimeout(r, 5000));
  console.log('after kill, jobs poller off', JSON.stringify((await h.api.get(`/api/jobs?search=${jid}`)).body.jobs));
  expect(kill.status).toBe(202);
});
