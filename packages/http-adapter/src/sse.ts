import { type Logger, silentLogger } from '@halite/core';
import { describeError } from './error-response.js';

/**
 * One thing to send on a Server-Sent Events stream: an event (`data` is sent as is when it is a
 * string, as JSON otherwise; `id` becomes the browser's `Last-Event-ID`), or a comment.
 */
export type SseMessage = { id?: number | string; event?: string; data: unknown } | { comment: string };

/** Options of {@link sseResponse}. */
export interface SseOptions {
  /** Ends the stream and closes the source: pass the route's `context.signal` (client disconnect). */
  signal?: AbortSignal;
  /** Milliseconds between `: keepalive` comments (default 20 000; 0 turns them off). */
  keepaliveMs?: number;
  /** Reconnection delay the browser should use, sent once as `retry:`. */
  retryMs?: number;
  /** More response headers (they cannot replace the SSE ones). */
  headers?: HeadersInit;
  /** Where a source that throws is reported; the stream then ends cleanly. */
  logger?: Logger;
}

const encoder = new TextEncoder();

/**
 * The wire bytes of message objects already sent: one object fanned out to many streams (an
 * activity event to every subscriber) is serialised and encoded once. Keyed weakly: it keeps
 * nothing alive.
 */
const encoded = new WeakMap<SseMessage, Uint8Array>();
function bytesOf(message: SseMessage): Uint8Array {
  let bytes = encoded.get(message);
  if (bytes === undefined) {
    bytes = encoder.encode(formatSseMessage(message));
    encoded.set(message, bytes);
  }
  return bytes;
}

/** Several messages as one chunk: their cached bytes, end to end. */
function concatBytes(messages: readonly SseMessage[]): Uint8Array {
  const parts = messages.map(bytesOf);
  let size = 0;
  for (const p of parts) size += p.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * The last chunk built for a run of messages, by the run's first message: streams that send the
 * same run (every subscriber of one published batch) share one chunk instead of copying it.
 */
const runs = new WeakMap<SseMessage, { messages: readonly SseMessage[]; bytes: Uint8Array }>();
function chunkOf(messages: readonly SseMessage[]): Uint8Array {
  const first = messages[0];
  if (first === undefined) return new Uint8Array(0);
  if (messages.length === 1) return bytesOf(first);
  const hit = runs.get(first);
  if (hit && hit.messages.length === messages.length && hit.messages.every((m, i) => m === messages[i]))
    return hit.bytes;
  const bytes = concatBytes(messages);
  runs.set(first, { messages: [...messages], bytes });
  return bytes;
}

/**
 * Streams `source` as `text/event-stream`. An array from the source is sent as one chunk (one
 * socket write for a burst of events). A message object is encoded once and its bytes reused
 * (as is the chunk of a run of messages that several streams send), so yield the same objects
 * to many streams rather than copies, and do not change a message after yielding it. The
 * response is built for proxies and compression
 * middleware that would otherwise buffer it (`Cache-Control: no-cache, no-transform`,
 * `X-Accel-Buffering: no`), starts with a comment so the headers go out at once, sends a
 * `: keepalive` comment every `keepaliveMs`, and ends when the source ends or `signal` aborts.
 * When the client goes away (the signal aborts or the body is cancelled), the source's
 * iterator is closed with `return()`: a generator's `finally` runs, a hub subscription ends.
 *
 * A source that waits inside an `await` (an async generator) can only finish once that wait
 * settles; give the source the same signal so it stops waiting (as `EventHub.subscribe` does).
 *
 * @example
 * ```ts
 * handler: async ({ app, signal }) =>
 *   sseResponse(
 *     map(app.activity.hub.subscribe({ signal }), (m) => ({ id: m.event.id, data: m.event })),
 *     { signal },
 *   ),
 * ```
 */
export function sseResponse(
  source: AsyncIterable<SseMessage | readonly SseMessage[]>,
  options: SseOptions = {},
): Response {
  const { signal, keepaliveMs = 20_000, retryMs, logger = silentLogger } = options;
  let iterator: AsyncIterator<SseMessage | readonly SseMessage[]> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let finished = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;

  const finish = (closeStream: boolean) => {
    if (finished) return;
    finished = true;
    if (timer !== undefined) clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
    // Not awaited: a generator parked in an `await` settles its return() only after that wait.
    iterator?.return?.()?.catch(() => {});
    if (closeStream) {
      try {
        controller.close();
      } catch {
        // already closed or errored by the consumer
      }
    }
  };
  const onAbort = () => finish(true);
  const send = (text: string) => {
    if (!finished) controller.enqueue(encoder.encode(text));
  };

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      send(
        retryMs === undefined
          ? ': connected\n\n'
          : `: connected\nretry: ${Math.max(0, Math.floor(retryMs))}\n\n`,
      );
      if (signal?.aborted) return finish(true);
      signal?.addEventListener('abort', onAbort, { once: true });
      iterator = source[Symbol.asyncIterator]();
      if (keepaliveMs > 0) {
        timer = setInterval(() => send(': keepalive\n\n'), keepaliveMs);
        timer.unref?.();
      }
    },
    async pull() {
      if (finished || !iterator) return;
      try {
        // An empty array sends nothing: read on, or the stream would never pull again.
        while (true) {
          const next = await iterator.next();
          if (finished) return;
          if (next.done) return finish(true);
          const value = next.value;
          // Chunks may be shared by many streams: nothing downstream writes into them.
          const chunk = chunkOf(
            Array.isArray(value) ? (value as readonly SseMessage[]) : [value as SseMessage],
          );
          if (chunk.byteLength > 0) return controller.enqueue(chunk);
        }
      } catch (error) {
        if (!finished) logger.warn('SSE source failed; stream ended', { error: describeError(error) });
        finish(true);
      }
    },
    cancel() {
      finish(false);
    },
  });

  const headers = new Headers(options.headers);
  headers.set('content-type', 'text/event-stream; charset=utf-8');
  headers.set('cache-control', 'no-cache, no-transform');
  headers.set('x-accel-buffering', 'no');
  headers.set('connection', 'keep-alive');
  return new Response(body, { status: 200, headers });
}

/**
 * One message in the SSE wire format, blank line included: `id:`, `event:` and one `data:`
 * line per line of data; a comment is `: text`.
 *
 * @example
 * ```ts
 * formatSseMessage({ id: 7, event: 'job', data: { jid: '1' } }); // 'id: 7\nevent: job\ndata: {"jid":"1"}\n\n'
 * ```
 */
export function formatSseMessage(message: SseMessage): string {
  if ('comment' in message) {
    return `${message.comment
      .split(/\r\n|\r|\n/)
      .map((line) => `: ${line}`)
      .join('\n')}\n\n`;
  }
  let out = '';
  if (message.id !== undefined) out += `id: ${singleLine(String(message.id))}\n`;
  if (message.event !== undefined) out += `event: ${singleLine(message.event)}\n`;
  const data = typeof message.data === 'string' ? message.data : JSON.stringify(message.data ?? null);
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

function singleLine(value: string): string {
  return value.replace(/[\r\n\0]/g, '');
}
