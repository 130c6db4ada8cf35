import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ActivityEventSource, EventStreamConsumer } from './consumer.js';
import type { NormalizedEvent } from './schemas.js';

type Raw = { tag: string; data: Record<string, unknown> };
/** One connection: the events it yields, then how it ends. */
interface Script {
  events: Raw[];
  end: 'error' | 'hang' | 'close';
}

/** A fake salt-api event stream that plays one script per connection. */
function scriptedSource(scripts: Script[]) {
  const connections: number[] = [];
  const source: ActivityEventSource = {
    async *events({ signal, onOpen }) {
      connections.push(Date.now());
      onOpen?.();
      const script = scripts.shift() ?? { events: [], end: 'hang' };
      for (const e of script.events) yield e;
      if (script.end === 'error') throw new Error('connection reset');
      if (script.end === 'hang') {
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
      }
    },
  };
  return { source, connections };
}

const JID = '20260101000000000001';
const jobNew: Raw = { tag: `salt/job/${JID}/new`, data: { fun: 'test.ping', tgt: '*', minions: ['m1'] } };
const jobRet: Raw = {
  tag: `salt/job/${JID}/ret/m1`,
  data: { id: 'm1', fun: 'test.ping', retcode: 0, return: true },
};
const pend: Raw = { tag: 'salt/auth', data: { act: 'pend', id: 'p1', result: true } };
const runner: Raw = { tag: `salt/run/${JID}/new`, data: { fun: 'runner.manage.present' } };

describe('EventStreamConsumer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('normalizes, batches and hands kept events to the sink; counts the rest', async () => {
    const batches: NormalizedEvent[][] = [];
    const { source } = scriptedSource([
      { events: [jobNew, runner, jobRet, { tag: 'salt/key', data: {} }], end: 'hang' },
    ]);
    const consumer = new EventStreamConsumer({ source, sink: async (b) => void batches.push(b) });
    consumer.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(batches.map((b) => b.map((e) => e.event_type))).toEqual([['job.new', 'job.ret']]);
    expect(consumer.status()).toMatchObject({
      state: 'connected',
      received: 4,
      kept: 2,
      dropped: { ignored: 1, malformed: 1, internal: 0, duplicate: 0, sink_failed: 0 },
      last_event_at: '2026-01-01T00:00:00.000Z',
    });
    await consumer.stop();
    expect(consumer.status().state).toBe('stopped');
  });

  it('flushes at once when a batch is full', async () => {
    const sizes: number[] = [];
    const events = Array.from({ length: 7 }, () => jobRet);
    const { source } = scriptedSource([{ events, end: 'hang' }]);
    const consumer = new EventStreamConsumer({
      source,
      sink: async (b) => void sizes.push(b.length),
      maxBatch: 3,
    });
    consumer.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(sizes).toEqual([3, 3]);
    await vi.advanceTimersByTimeAsync(50);
    expect(sizes).toEqual([3, 3, 1]);
    await consumer.stop();
  });

  it('reconnects with backoff doubling from 1 s to 30 s and asks for a catch-up after each reconnect', async () => {
    const failing = Array.from({ length: 8 }, (): Script => ({ events: [jobNew], end: 'error' }));
    const { source, connections } = scriptedSource(failing);
    const onReconnect = vi.fn();
    const consumer = new EventStreamConsumer({ source, sink: async () => {}, onReconnect });
    consumer.start();
    await vi.advanceTimersByTimeAsync(200_000);
    const gaps = connections.slice(1).map((t, i) => t - (connections[i] ?? 0));
    expect(gaps.slice(0, 7)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(onReconnect).toHaveBeenCalledTimes(8); // connections 2 to 9
    expect(consumer.status()).toMatchObject({ last_error: 'connection reset', state: 'connected' });
    await consumer.stop();
  });

  it('resets the backoff after a connection that stayed healthy for a minute', async () => {
    let n = 0;
    const connections: number[] = [];
    const source: ActivityEventSource = {
      async *events({ signal }) {
        connections.push(Date.now());
        n += 1;
        yield jobNew;
        // connections 1-3 fail at once; the 4th lives 61 s; then fail at once again
        if (n === 4) await new Promise((r) => setTimeout(r, 61_000));
        if (n <= 5) throw new Error('drop');
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      },
    };
    const consumer = new EventStreamConsumer({ source, sink: async () => {} });
    consumer.start();
    await vi.advanceTimersByTimeAsync(200_000);
    const gaps = connections.slice(1).map((t, i) => t - (connections[i] ?? 0));
    // 1 s, 2 s, 4 s, then 61 s up + 1 s (reset), then 2 s
    expect(gaps).toEqual([1_000, 2_000, 4_000, 62_000, 2_000]);
    await consumer.stop();
  });

  it('treats a stream that ends by itself as a drop and reconnects', async () => {
    const { source, connections } = scriptedSource([
      { events: [jobNew], end: 'close' },
      { events: [], end: 'hang' },
    ]);
    const consumer = new EventStreamConsumer({ source, sink: async () => {} });
    consumer.start();
    await vi.advanceTimersByTimeAsync(1_500);
    expect(connections.length).toBe(2);
    expect(consumer.status()).toMatchObject({ last_error: 'event stream ended', reconnects: 1 });
    await consumer.stop();
  });

  it('retries a failing sink, then counts the batch as lost without stopping', async () => {
    const sink = vi.fn(async () => {
      throw new Error('database is locked');
    });
    const error = vi.fn();
    const logger = { debug() {}, info() {}, warn() {}, error };
    const { source } = scriptedSource([{ events: [jobNew, jobRet], end: 'hang' }]);
    const consumer = new EventStreamConsumer({ source, sink, logger });
    consumer.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sink).toHaveBeenCalledTimes(3);
    expect(error).toHaveBeenCalledTimes(3);
    expect(consumer.status()).toMatchObject({
      state: 'connected',
      kept: 0,
      last_error: 'database is locked',
      dropped: { sink_failed: 2 },
    });
    await consumer.stop();
  });

  it('keeps one pending-key notice per minion per window', async () => {
    const kept: string[] = [];
    const accept: Raw = { tag: 'salt/key', data: { act: 'accept', id: 'p1', result: true } };
    const { source } = scriptedSource([{ events: [pend, pend, pend, accept, pend], end: 'hang' }]);
    const consumer = new EventStreamConsumer({
      source,
      sink: async (b) => void kept.push(...b.map((e) => e.event_type)),
    });
    consumer.start();
    await vi.advanceTimersByTimeAsync(100);
    // a key change clears the memory, so a later pend is news again
    expect(kept).toEqual(['key.pend', 'key.accept', 'key.pend']);
    expect(consumer.status().dropped.duplicate).toBe(2);
    await consumer.stop();
  });

  it('stops promptly while connected and leaves no timer behind', async () => {
    const { source } = scriptedSource([{ events: [jobNew], end: 'hang' }]);
    const consumer = new EventStreamConsumer({ source, sink: async () => {} });
    consumer.start();
    await vi.advanceTimersByTimeAsync(100);
    await consumer.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
