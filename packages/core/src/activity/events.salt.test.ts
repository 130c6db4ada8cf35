/**
 * The live activity feed against a real Salt (m1 m2 m3 accepted, p1 pending): the consumer
 * tails salt-api `/events` into `activity_events` and `job_returns`, and browsers follow it on
 * `GET /api/activity/stream` (SSE) through the real HTTP handler, resuming with `Last-Event-ID`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SaltLab, startSaltLab } from '../../../testkit/src/lab/lab.js';
import {
  configureSalt,
  FAST_POLLERS,
  type HaliteUnderTest,
  type Json,
  openSse,
  type SseClient,
  startHalite,
  stopLab,
  until,
} from '../runtime/halite-harness.salt.js';
import type { ActivityItem } from './schemas.js';

let lab: SaltLab;
let h: HaliteUnderTest;
let sse: SseClient;
const RING = 8;

const status = async (): Promise<Json> => (await h.api.get('/api/admin/status')).body;
const streamUrl = () => `${h.url}/api/activity/stream`;
const ids = (items: readonly { id: number }[]) => items.map((i) => i.id);

/** Every stored event, oldest first (GET /api/activity pages newest first). */
async function storedActivity(): Promise<ActivityItem[]> {
  const all: ActivityItem[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await h.api.get(`/api/activity?limit=500&offset=${offset}`);
    expect(page.status).toBe(200);
    all.push(...page.body.events);
    if (all.length >= page.body.total || page.body.events.length === 0) break;
  }
  return all.reverse();
}

beforeAll(async () => {
  lab = await startSaltLab({ minions: ['m1', 'm2', 'm3'], pending: ['p1'] });
  // A small replay ring: a client resuming after more than RING events reads them from the Store.
  h = await startHalite({ ringSize: RING });
  // The stream is switched on first, so the first browser sees every event from the start.
  expect((await h.api.put('/api/admin/settings/pollers', { event_stream_enabled: true })).status).toBe(200);
  sse = await openSse(streamUrl());
  await configureSalt(h.api, lab, { ...FAST_POLLERS, event_stream_enabled: true });
  await until(async () => (await status()).event_stream?.state === 'connected', {
    timeoutMs: 15_000,
    what: 'the event consumer connected',
  });
});

afterAll(async () => {
  sse?.close();
  await h?.close({ removeDir: true });
  await stopLab(lab);
});

describe('GET /api/activity/stream', () => {
  it('is an event stream', () => {
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(sse.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(sse.open).toBe(true);
  });

  it('shows job.new and one job.ret per minion within 2 s of POST /api/run', async () => {
    const from = sse.events.length;
    const run = await h.api.post('/api/run', { tgt: '*', fun: 'test.ping' });
    const sent = Date.now();
    expect(run.status).toBe(202);
    const { jid, minions } = run.body;
    expect([...minions].sort()).toEqual(['m1', 'm2', 'm3']);

    const isOurs = (i: ActivityItem) => i.jid === jid;
    await sse.waitFor((i) => isOurs(i) && i.event_type === 'job.new', { fromIndex: from, timeoutMs: 2_000 });
    for (const m of ['m1', 'm2', 'm3']) {
      await sse.waitFor((i) => isOurs(i) && i.event_type === 'job.ret' && i.minion_id === m, {
        fromIndex: from,
        timeoutMs: Math.max(1, sent + 2_000 - Date.now()),
        what: `job.ret of ${m} within 2 s`,
      });
    }
    // Nothing more arrives for this job: one new, one return per minion.
    await new Promise((r) => setTimeout(r, 1_000));
    const ours = sse.items().filter(isOurs);
    expect(ours.filter((i) => i.event_type === 'job.new')).toHaveLength(1);
    expect(
      ours
        .filter((i) => i.event_type === 'job.ret')
        .map((i) => i.minion_id)
        .sort(),
    ).toEqual(['m1', 'm2', 'm3']);
    expect(ours.find((i) => i.event_type === 'job.new')).toMatchObject({
      category: 'job',
      fun: 'test.ping',
      target: '*',
      initiator: lab.username,
    });
    for (const ret of ours.filter((i) => i.event_type === 'job.ret')) {
      expect(ret).toMatchObject({ category: 'job', fun: 'test.ping', success: true });
    }

    const job = await h.api.get(`/api/jobs/${jid}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      jid,
      function: 'test.ping',
      source: 'store',
      minion_count: 3,
      returned_count: 3,
      success_count: 3,
      failure_count: 0,
      status: 'finished',
      results_total: 3,
    });
    expect(job.body.results).toEqual(
      ['m1', 'm2', 'm3'].map((m) => ({
        minion: m,
        success: true,
        retcode: 0,
        return_value: true,
        truncated: false,
        returned_at: expect.any(String),
      })),
    );
  });

  it('shows the pending key rejected, accepted and deleted through the API, then pending and accepted with salt-key', async () => {
    const key = (type: string, fromIndex: number) =>
      sse.waitFor((i) => i.event_type === type && i.minion_id === 'p1', {
        fromIndex,
        timeoutMs: 15_000,
        what: `${type} p1`,
      });
    let from = sse.events.length;
    expect((await h.api.post('/api/keys/p1/reject')).status).toBe(204);
    expect(await key('key.reject', from)).toMatchObject({
      category: 'key',
      summary: expect.stringContaining('p1'),
    });

    from = sse.events.length;
    expect((await h.api.post('/api/keys/p1/accept')).status).toBe(204);
    await key('key.accept', from);
    // p1 keeps retrying its key (rejected_retry), is accepted now, and starts.
    await key('minion.start', from);

    from = sse.events.length;
    expect((await h.api.delete('/api/keys/p1')).status).toBe(204);
    await key('key.delete', from);
    // Gone, or already asking again (the master rotates its AES key after a delete).
    const p1 = await h.api.get('/api/minions/p1');
    expect(p1.status === 404 || p1.body.key_status === 'pending', JSON.stringify(p1.body)).toBe(true);

    // Restarted without a key, p1 asks again: pending (one key.pend since the delete, however
    // many times it asks); salt-key accepts it from the CLI.
    await lab.stopMinion('p1');
    await lab.startMinion('p1');
    await key('key.pend', from);
    await until(async () => (await h.api.get('/api/minions/p1')).body.key_status === 'pending', {
      timeoutMs: 10_000,
      what: 'p1 pending in the Store',
    });
    from = sse.events.length;
    const cli = await lab.saltKey('-a', 'p1', '-y');
    expect(cli.exitCode, cli.stderr).toBe(0);
    await key('key.accept', from);
    await key('minion.start', from);
    await until(async () => (await h.api.get('/api/minions/p1')).body.key_status === 'accepted', {
      timeoutMs: 15_000,
      what: 'p1 accepted in the Store',
    });
  });

  it('shows minion.start when a minion comes back', async () => {
    const from = sse.events.length;
    await lab.stopMinion('m3');
    await lab.startMinion('m3');
    const start = await sse.waitFor((i) => i.event_type === 'minion.start' && i.minion_id === 'm3', {
      fromIndex: from,
      timeoutMs: 15_000,
    });
    expect(start).toMatchObject({ category: 'minion', summary: 'm3 started' });
  });

  it('keeps following after salt-api restarts: the consumer reconnects and later events arrive', async () => {
    const before = (await status()).event_stream.reconnects;
    await lab.restartApi();
    const after = await until(
      async () => {
        const s = (await status()).event_stream;
        return s.state === 'connected' && s.reconnects > before ? s : undefined;
      },
      { timeoutMs: 45_000, what: 'the consumer reconnected' },
    );
    expect(after.reconnects).toBeGreaterThan(before);

    const from = sse.events.length;
    const run = await h.api.post('/api/run', { tgt: 'm1', fun: 'test.ping' });
    expect(run.status).toBe(202);
    const { jid } = run.body;
    await sse.waitFor((i) => i.jid === jid && i.event_type === 'job.new', {
      fromIndex: from,
      timeoutMs: 5_000,
    });
    await sse.waitFor((i) => i.jid === jid && i.event_type === 'job.ret' && i.minion_id === 'm1', {
      fromIndex: from,
      timeoutMs: 5_000,
    });
    expect(sse.open).toBe(true);
  });

  it('survives settings reloads with one consumer: each event reaches an open browser once', async () => {
    const changes = await Promise.all(
      [5, 6, 7].map((s) =>
        h.api.put('/api/admin/settings/pollers', { minion_state_grains_interval_seconds: s }),
      ),
    );
    expect(changes.map((c) => c.status)).toEqual([200, 200, 200]);
    await until(async () => (await status()).event_stream?.state === 'connected', {
      timeoutMs: 15_000,
      what: 'the consumer connected after the reloads',
    });
    const from = sse.events.length;
    const run = await h.api.post('/api/run', { tgt: 'm1,m2', tgt_type: 'list', fun: 'test.ping' });
    expect(run.status).toBe(202);
    const { jid } = run.body;
    for (const m of ['m1', 'm2']) {
      await sse.waitFor((i) => i.jid === jid && i.event_type === 'job.ret' && i.minion_id === m, {
        fromIndex: from,
        timeoutMs: 5_000,
      });
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const ours = sse
      .items()
      .filter((i) => i.jid === jid)
      .map((i) => `${i.event_type} ${i.minion_id ?? ''}`.trim())
      .sort();
    expect(ours).toEqual(['job.new', 'job.ret m1', 'job.ret m2']);
    const stored = await h.api.get(`/api/activity?jid=${jid}`);
    expect(stored.body.total).toBe(3);
  });

  it('resumes after Last-Event-ID with exactly the events missed: no gap, no duplicate', async () => {
    // Every event so far reached the first client, in id order, once.
    const seen = sse.items();
    expect(ids(seen)).toEqual([...ids(seen)].sort((a, b) => a - b));
    expect(new Set(ids(seen)).size).toBe(seen.length);
    const lastSeen = seen.at(-1)?.id as number;
    sse.close();

    // More events than the ring holds happen while nobody listens.
    const jids: string[] = [];
    let expected = 0;
    while (expected <= RING) {
      const run = await h.api.post('/api/run', { tgt: '*', fun: 'test.ping' });
      expect(run.status).toBe(202);
      jids.push(run.body.jid);
      expected += run.body.minions.length + 1;
    }
    for (const jid of jids) {
      await until(
        async () => {
          const job = (await h.api.get(`/api/jobs/${jid}`)).body;
          return job.returned_count === job.minion_count;
        },
        { timeoutMs: 10_000, what: `every return of ${jid} stored` },
      );
    }
    const stored = await storedActivity();
    const missed = stored.filter((e) => e.id > lastSeen);
    expect(missed.length).toBeGreaterThanOrEqual(expected);
    // The ring no longer reaches back to the last event the client saw.
    expect(h.halite.hub.recent()[0]?.id).toBeGreaterThan(lastSeen + 1);

    const resumed = await openSse(streamUrl(), { lastEventId: lastSeen });
    try {
      await until(() => resumed.items().length >= missed.length, {
        timeoutMs: 5_000,
        what: `the ${missed.length} missed events`,
      });
      await new Promise((r) => setTimeout(r, 300));
      const got = resumed.items();
      expect(ids(got)).toEqual(ids(missed));
      expect(got).toEqual(missed);
      // Together the two connections saw every stored event exactly once.
      expect([...ids(seen), ...ids(got)]).toEqual(ids(stored));

      // A resume from further back gets the same tail, starting right after the given id.
      const back = seen.at(-5)?.id as number;
      const again = await openSse(streamUrl(), { lastEventId: back });
      try {
        await until(() => again.items().length >= stored.filter((e) => e.id > back).length, {
          timeoutMs: 5_000,
          what: 'the replay after an older id',
        });
        expect(ids(again.items())).toEqual(ids(stored.filter((e) => e.id > back)));
      } finally {
        again.close();
      }
    } finally {
      resumed.close();
    }
  });
});
