import { QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ActivityEvent } from './activity-event';
import { type EventSourceLike, LiveEvents } from './event-stream';

/** A stream the test drives: what the server would send, and how the connection ends. */
class ScriptedSource implements EventSourceLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent<string>) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  send(event: Partial<ActivityEvent> & { id: number }) {
    const data = JSON.stringify({ category: 'job', event_type: 'job.ret', summary: 's', ...event });
    this.onmessage?.(new MessageEvent('message', { data }));
  }
  /** The browser reconnects by itself (network drop). */
  drop() {
    this.readyState = 0;
    this.onerror?.(new Event('error'));
  }
  /** The server refused (an error status): the browser gives up on this source. */
  refuse() {
    this.readyState = 2;
    this.onerror?.(new Event('error'));
  }
  close() {
    this.closed = true;
  }
}

describe('LiveEvents', () => {
  let sources: ScriptedSource[];
  let queryClient: QueryClient;
  let live: LiveEvents;
  beforeEach(() => {
    vi.useFakeTimers();
    sources = [];
    queryClient = new QueryClient();
    live = new LiveEvents(queryClient, (url) => {
      const source = new ScriptedSource(url);
      sources.push(source);
      return source;
    });
  });
  afterEach(() => {
    live.stop();
    vi.useRealTimers();
  });

  it('hands each event to subscribers once, even when a replay repeats it', () => {
    const seen: number[] = [];
    live.subscribe((event) => seen.push(event.id));
    live.start();
    const source = sources[0] as ScriptedSource;
    expect(source.url).toBe('/api/activity/stream');
    source.open();
    source.send({ id: 1 });
    source.send({ id: 2 });
    source.send({ id: 2 });
    source.send({ id: 1 });
    source.send({ id: 3 });
    expect(seen).toEqual([1, 2, 3]);
    expect(live.state).toBe('open');
  });

  it('makes the matching lists stale, once per second per list however many events arrive', async () => {
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    live.start();
    const source = sources[0] as ScriptedSource;
    source.open();
    for (let id = 1; id <= 500; id++) source.send({ id, category: 'job' });
    source.send({ id: 501, category: 'key', event_type: 'key.accept' });
    expect(invalidate).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    const roots = invalidate.mock.calls.map(([filters]) => filters?.queryKey?.[0]).sort();
    expect(roots).toEqual(['activity', 'jobs', 'keys', 'minions']);
  });

  it('leaves reconnecting to the browser, and reopens a refused stream after a growing delay', async () => {
    const states: string[] = [];
    live.onState((state) => states.push(state));
    live.start();
    (sources[0] as ScriptedSource).open();
    (sources[0] as ScriptedSource).drop();
    expect(sources).toHaveLength(1);
    (sources[0] as ScriptedSource).refuse();
    expect((sources[0] as ScriptedSource).closed).toBe(true);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(sources).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sources).toHaveLength(2);
    (sources[1] as ScriptedSource).refuse();
    await vi.advanceTimersByTimeAsync(3_999);
    expect(sources).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sources).toHaveLength(3);
    expect(states).toEqual(['open', 'retrying', 'unavailable']);
  });

  it('stops for good', async () => {
    live.start();
    (sources[0] as ScriptedSource).refuse();
    live.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sources).toHaveLength(1);
  });
});
