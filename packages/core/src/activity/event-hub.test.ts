import { describe, expect, it } from 'vitest';
import { EventHub, type HubMessage } from './event-hub.js';

interface Ev {
  id: number;
  category: 'job' | 'key';
}
const ev = (id: number, category: Ev['category'] = 'job'): Ev => ({ id, category });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ev(from + i));

/** Collects `n` messages from a subscription (then stops iterating). */
async function take(it: AsyncIterable<HubMessage<Ev>>, n: number): Promise<HubMessage<Ev>[]> {
  const out: HubMessage<Ev>[] = [];
  if (n === 0) return out;
  for await (const m of it) {
    out.push(m);
    if (out.length >= n) break;
  }
  return out;
}
const ids = (msgs: HubMessage<Ev>[]) => msgs.map((m) => (m.type === 'event' ? m.event.id : m.reason));

describe('EventHub', () => {
  it('replays the ring to a new subscriber, then delivers live events', async () => {
    const hub = new EventHub<Ev>({ ringSize: 3 });
    hub.publish(range(1, 5));
    const sub = hub.subscribe();
    const got = take(sub, 5);
    hub.publish([ev(6), ev(7)]);
    expect(ids(await got)).toEqual([3, 4, 5, 6, 7]);
    expect(hub.recent().map((e) => e.id)).toEqual([5, 6, 7]);
  });

  it('resumes after Last-Event-ID from the ring with no duplicate', async () => {
    const hub = new EventHub<Ev>({ ringSize: 10 });
    hub.publish(range(1, 8));
    expect(ids(await take(hub.subscribe({ lastEventId: 5 }), 3))).toEqual([6, 7, 8]);
  });

  it('resumes beyond the ring from the Store, then the ring, then live — no gap, no duplicate', async () => {
    const stored = range(1, 2000);
    const hub = new EventHub<Ev>({
      ringSize: 100,
      loadAfter: async (after, limit) => stored.filter((e) => e.id > after).slice(0, limit),
    });
    hub.publish(stored);
    const sub = hub.subscribe({ lastEventId: 10 });
    const got = take(sub, 1995);
    hub.publish([ev(2001), ev(2002), ev(2003), ev(2004), ev(2005)]);
    const received = ids(await got);
    expect(received).toEqual(range(11, 2005).map((e) => e.id));
  });

  it('resumes from the Store after a restart, when the ring is still empty', async () => {
    const stored = range(13, 15);
    const hub = new EventHub<Ev>({
      loadAfter: async (after, limit) => stored.filter((e) => e.id > after).slice(0, limit),
    });
    expect(ids(await take(hub.subscribe({ lastEventId: 12 }), 3))).toEqual([13, 14, 15]);
  });

  it('gives up with a reset when the gap is larger than one resume may read', async () => {
    const stored = range(1, 5000);
    const hub = new EventHub<Ev>({
      ringSize: 10,
      maxResume: 1000,
      loadAfter: async (after, limit) => stored.filter((e) => e.id > after).slice(0, limit),
    });
    hub.publish(stored);
    const msgs: HubMessage<Ev>[] = [];
    for await (const m of hub.subscribe({ lastEventId: 0 })) msgs.push(m);
    expect(msgs.length).toBe(1001);
    expect(msgs.at(-1)).toEqual({ type: 'reset', reason: 'gap_too_large' });
  });

  it('delivers only what the filter allows', async () => {
    const hub = new EventHub<Ev>();
    const sub = hub.subscribe({ filter: (e) => e.category === 'key' });
    const got = take(sub, 2);
    hub.publish([ev(1, 'job'), ev(2, 'key'), ev(3, 'job'), ev(4, 'key')]);
    expect(ids(await got)).toEqual([2, 4]);
  });

  it('cuts off a slow subscriber with a reset instead of growing its queue', async () => {
    const hub = new EventHub<Ev>({ ringSize: 10, queueSize: 300 });
    const slow = hub.subscribe();
    const fast = hub.subscribe();
    const fastGot = take(fast, 400);
    for (let i = 1; i <= 400; i += 1) {
      hub.publish([ev(i)]);
      await Promise.resolve();
    }
    expect((await fastGot).length).toBe(400);
    const slowMsgs: HubMessage<Ev>[] = [];
    for await (const m of slow) slowMsgs.push(m);
    // it keeps what was queued (bounded), then the reset; it resumes from id 300 on reconnect
    expect(ids(slowMsgs)).toEqual([...range(1, 300).map((e) => e.id), 'slow_consumer']);
    expect(hub.subscriberCount).toBe(0);
  });

  it('batches() hands over everything waiting at once, in order, then what comes later', async () => {
    const hub = new EventHub<Ev>({ ringSize: 10 });
    hub.publish(range(1, 3));
    const sub = hub.subscribe();
    hub.publish(range(4, 6));
    const it = sub.batches()[Symbol.asyncIterator]();
    const first = await it.next();
    expect(ids([...(first.value ?? [])])).toEqual([1, 2, 3, 4, 5, 6]);
    const second = it.next();
    hub.publish([ev(7)]);
    hub.publish([ev(8)]);
    expect(ids([...((await second).value ?? [])])).toEqual([7, 8]);
    hub.close();
    expect(ids([...((await it.next()).value ?? [])])).toEqual(['closed']);
    expect((await it.next()).done).toBe(true);
    expect(hub.subscriberCount).toBe(0);
  });

  it('a batch consumer that stops reading is still cut off at queueSize', async () => {
    const hub = new EventHub<Ev>({ ringSize: 10, queueSize: 300 });
    const sub = hub.subscribe();
    const it = sub.batches()[Symbol.asyncIterator]();
    hub.publish(range(1, 5));
    expect((await it.next()).value?.length).toBe(5);
    // It stops reading: the queue fills to 300, then the reset.
    hub.publish(range(6, 400));
    expect(hub.subscriberCount).toBe(0);
    const rest = (await it.next()).value ?? [];
    expect(rest.length).toBe(301);
    expect(ids([...rest]).at(-1)).toBe('slow_consumer');
  });

  it('unsubscribes when the signal aborts', async () => {
    const hub = new EventHub<Ev>();
    const ac = new AbortController();
    const sub = hub.subscribe({ signal: ac.signal });
    expect(hub.subscriberCount).toBe(1);
    const done = take(sub, 10);
    ac.abort();
    expect(await done).toEqual([]);
    expect(hub.subscriberCount).toBe(0);
  });

  it('close() ends every subscription with a closed reset', async () => {
    const hub = new EventHub<Ev>();
    const sub = hub.subscribe();
    hub.close();
    expect(ids(await take(sub, 5))).toEqual(['closed']);
  });
});
