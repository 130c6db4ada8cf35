import { describe, expect, it } from 'vitest';
import { eventsWire } from './__fixtures__/wire.js';
import { SaltAPIUnavailable } from './errors.js';
import { emptySaltEventStreamStats, readSaltEvents } from './event-stream.js';
import type { SaltEvent } from './schemas.js';

const encoder = new TextEncoder();

/** A body that sends `chunks` then ends (or stays open with `open: true`). */
function body(chunks: string[], options: { open?: boolean; onCancel?: () => void } = {}) {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk !== undefined) controller.enqueue(encoder.encode(chunk));
      else if (!options.open) controller.close();
      else return new Promise(() => {});
    },
    cancel() {
      options.onCancel?.();
    },
  });
}

/** Reads events until `count` arrived, then aborts and returns them. */
async function take(
  stream: ReadableStream<Uint8Array>,
  count: number,
  extra: { maxLineLength?: number } = {},
) {
  const controller = new AbortController();
  const stats = emptySaltEventStreamStats();
  const events: SaltEvent[] = [];
  for await (const event of readSaltEvents(stream, { signal: controller.signal, stats, ...extra })) {
    events.push(event);
    if (events.length === count) controller.abort();
  }
  return { events, stats };
}

const first: SaltEvent = {
  tag: 'salt/job/20251002101112123456/new',
  data: {
    jid: '20251002101112123456',
    tgt_type: 'glob',
    tgt: '*',
    user: 'saltdev',
    fun: 'test.ping',
    arg: [],
    minions: ['m1', 'm2'],
    missing: [],
    _stamp: '2025-10-02T10:11:12.130001',
  },
};

const line = (tag: string, data: Record<string, unknown> = {}) =>
  `tag: ${tag}\ndata: ${JSON.stringify({ tag, data })}\n\n`;

describe('readSaltEvents', () => {
  it('reads the events of the salt-api wire, retry line and tag fields included', async () => {
    const { events, stats } = await take(body([eventsWire], { open: true }), 2);
    expect(events[0]).toEqual(first);
    expect(events[1]?.tag).toBe('salt/job/20251002101112123456/ret/m1');
    expect(events[1]?.data.return).toBe(true);
    expect(stats.retryMs).toBe(400);
    expect(stats.events).toBe(2);
  });

  it('reads the same events when every byte arrives in its own chunk', async () => {
    const { events } = await take(body([...eventsWire], { open: true }), 2);
    expect(events.map((e) => e.tag)).toEqual([
      'salt/job/20251002101112123456/new',
      'salt/job/20251002101112123456/ret/m1',
    ]);
    expect(events[0]).toEqual(first);
  });

  it('reads a UTF-8 character split across two chunks', async () => {
    const bytes = encoder.encode(line('salt/custom', { note: 'Grüße ☃' }));
    const cut = bytes.indexOf(0xe2) + 1; // inside the three bytes of ☃
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
      },
    });
    const { events } = await take(stream, 1);
    expect(events[0]?.data.note).toBe('Grüße ☃');
  });

  it('skips and counts a data line that is not JSON, then goes on', async () => {
    const { events, stats } = await take(
      body(['retry: 400\ntag: bad\ndata: {"tag": "bad", "data": {\n\n', line('salt/after')], { open: true }),
      1,
    );
    expect(events.map((e) => e.tag)).toEqual(['salt/after']);
    expect(stats.malformed).toBe(1);
  });

  it('skips and counts JSON that is not {tag, data}', async () => {
    const { events, stats } = await take(
      body(
        [
          'data: [1,2]\n\n',
          'data: {"tag": 1, "data": {}}\n\n',
          'data: {"tag": "t", "data": "x"}\n\n',
          line('ok'),
        ],
        {
          open: true,
        },
      ),
      1,
    );
    expect(events.map((e) => e.tag)).toEqual(['ok']);
    expect(stats.malformed).toBe(3);
  });

  it('drops a line over the cap that arrives in many chunks, and reads the next event', async () => {
    const huge = `tag: big\ndata: {"tag": "big", "data": {"blob": "${'x'.repeat(10_000)}"}}\n\n`;
    const chunks = huge.match(/[\s\S]{1,100}/g) ?? [];
    const { events, stats } = await take(body([...chunks, line('salt/small', { n: 1 })], { open: true }), 1, {
      maxLineLength: 1024,
    });
    expect(events).toEqual([{ tag: 'salt/small', data: { n: 1 } }]);
    expect(stats.oversized).toBe(1);
  });

  it('drops a line over the cap that arrives in one chunk', async () => {
    const huge = line('big', { blob: 'y'.repeat(5_000) });
    const { events, stats } = await take(body([huge + line('salt/small')], { open: true }), 1, {
      maxLineLength: 1024,
    });
    expect(events.map((e) => e.tag)).toEqual(['salt/small']);
    expect(stats.oversized).toBe(1);
  });

  it('throws SaltAPIUnavailable (stream_closed) when the server ends the stream', async () => {
    const read = async () => {
      for await (const _ of readSaltEvents(body([eventsWire]))) {
        // drain
      }
    };
    await expect(read()).rejects.toMatchObject({ name: 'SaltAPIUnavailable', reason: 'stream_closed' });
  });

  it('throws SaltAPIUnavailable (connection_reset) when the body breaks', async () => {
    const cause = new Error('socket hang up');
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(line('salt/one')));
      },
      pull(controller) {
        controller.error(cause);
      },
    });
    const seen: string[] = [];
    const error = await (async () => {
      try {
        for await (const event of readSaltEvents(broken)) seen.push(event.tag);
      } catch (err) {
        return err;
      }
    })();
    expect(seen).toEqual(['salt/one']);
    expect(error).toBeInstanceOf(SaltAPIUnavailable);
    expect((error as SaltAPIUnavailable).reason).toBe('connection_reset');
    expect((error as SaltAPIUnavailable).cause).toBe(cause);
  });

  it('returns without an error when the signal aborts while waiting for data', async () => {
    const controller = new AbortController();
    let cancelled = false;
    const stream = body([line('salt/one')], { open: true, onCancel: () => (cancelled = true) });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of readSaltEvents(stream, { signal: controller.signal })) seen.push(event.tag);
      return 'ended';
    })();
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    await expect(reading).resolves.toBe('ended');
    expect(seen).toEqual(['salt/one']);
    expect(cancelled).toBe(true);
  });

  it('cancels the body when the consumer leaves the loop early', async () => {
    let cancelled = false;
    const stream = body([line('salt/one'), line('salt/two')], {
      open: true,
      onCancel: () => (cancelled = true),
    });
    for await (const event of readSaltEvents(stream)) {
      expect(event.tag).toBe('salt/one');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
