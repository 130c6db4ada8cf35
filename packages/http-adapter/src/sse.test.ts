import { describe, expect, it } from 'vitest';
import { formatSseMessage, type SseMessage, sseResponse } from './sse.js';

async function readAll(response: Response): Promise<string> {
  return await response.text();
}

describe('formatSseMessage', () => {
  it('writes id, event and JSON data, then a blank line', () => {
    expect(formatSseMessage({ id: 7, event: 'job', data: { jid: '1' } })).toBe(
      'id: 7\nevent: job\ndata: {"jid":"1"}\n\n',
    );
  });

  it('sends a string as is, one data line per line', () => {
    expect(formatSseMessage({ data: 'one\ntwo\r\nthree' })).toBe('data: one\ndata: two\ndata: three\n\n');
  });

  it('writes a comment, one line per line', () => {
    expect(formatSseMessage({ comment: 'hello\nworld' })).toBe(': hello\n: world\n\n');
  });

  it('keeps newlines out of id and event', () => {
    expect(formatSseMessage({ id: '1\n2', event: 'a\rb', data: null })).toBe(
      'id: 12\nevent: ab\ndata: null\n\n',
    );
  });
});

describe('sseResponse', () => {
  it('sets the event-stream headers', () => {
    const res = sseResponse((async function* () {})(), {
      headers: { 'x-extra': '1', 'cache-control': 'max-age=60' },
    });
    expect(res.status).toBe(200);
    expect(Object.fromEntries(res.headers)).toEqual({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      'x-extra': '1',
    });
    void res.body?.cancel();
  });

  it('opens with a comment (and the retry delay), streams the source, and ends with it', async () => {
    async function* source(): AsyncGenerator<SseMessage> {
      yield { id: 1, data: { n: 1 } };
      yield { comment: 'note' };
      yield { id: 2, event: 'end', data: 'bye' };
    }
    const text = await readAll(sseResponse(source(), { retryMs: 3000 }));
    expect(text).toBe(
      ': connected\nretry: 3000\n\nid: 1\ndata: {"n":1}\n\n: note\n\nid: 2\nevent: end\ndata: bye\n\n',
    );
  });

  it('sends an array from the source as one chunk, and one message object to many streams', async () => {
    const shared: SseMessage = { id: 3, data: { n: 3 } };
    async function* source(): AsyncGenerator<SseMessage | SseMessage[]> {
      yield [{ id: 1, data: 'a' }, { id: 2, data: 'b' }, shared];
      yield [];
      yield shared;
    }
    const chunks = async (res: Response) => {
      const out: string[] = [];
      const decoder = new TextDecoder();
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(decoder.decode(r.value));
      return out;
    };
    const expected = [
      ': connected\n\n',
      'id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: {"n":3}\n\n',
      'id: 3\ndata: {"n":3}\n\n',
    ];
    expect(await chunks(sseResponse(source()))).toEqual(expected);
    expect(await chunks(sseResponse(source()))).toEqual(expected);
  });

  it('reuses the chunk of a run only for exactly the same messages', async () => {
    const [a, b, c, x] = [1, 2, 3, 9].map((id): SseMessage => ({ id, data: id }));
    const text = (run: SseMessage[]) =>
      readAll(
        sseResponse(
          (async function* () {
            yield run;
          })(),
        ),
      );
    expect(await text([a, b, c] as SseMessage[])).toContain('id: 1\ndata: 1\n\nid: 2\ndata: 2\n\nid: 3');
    expect(await text([a, x, c] as SseMessage[])).toContain('id: 1\ndata: 1\n\nid: 9\ndata: 9\n\nid: 3');
    expect(await text([a, b] as SseMessage[])).toBe(': connected\n\nid: 1\ndata: 1\n\nid: 2\ndata: 2\n\n');
  });

  it('sends a keepalive comment every keepaliveMs while the source is quiet', async () => {
    let release!: () => void;
    const quiet = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* source(): AsyncGenerator<SseMessage> {
      await quiet;
      yield { data: 'late' };
    }
    const res = sseResponse(source(), { keepaliveMs: 20 });
    setTimeout(release, 70);
    const text = await readAll(res);
    expect(text.startsWith(': connected\n\n: keepalive\n\n: keepalive\n\n')).toBe(true);
    expect(text.endsWith('data: late\n\n')).toBe(true);
  });

  it('closes the source and ends the stream when the signal aborts', async () => {
    const abort = new AbortController();
    let closed = false;
    const source: AsyncIterable<SseMessage> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<SseMessage>>(() => {}),
        return: async () => {
          closed = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const res = sseResponse(source, { signal: abort.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe(': connected\n\n');
    abort.abort();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expect(closed).toBe(true);
  });

  it('closes the source when the reader cancels the body', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<SseMessage> {
      try {
        for (let i = 0; ; i++) {
          yield { id: i, data: i };
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        closed = true;
      }
    }
    const res = sseResponse(source());
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(true);
  });

  it('ends the stream cleanly when the source throws', async () => {
    async function* source(): AsyncGenerator<SseMessage> {
      yield { id: 1, data: 'ok' };
      throw new Error('hub gone');
    }
    expect(await readAll(sseResponse(source()))).toBe(': connected\n\nid: 1\ndata: ok\n\n');
  });
});
