import { createParser, type ParseError } from 'eventsource-parser';
import { type Logger, silentLogger } from '../logger.js';
import { SaltAPIUnavailable } from './errors.js';
import type { SaltEvent } from './schemas.js';

/** The longest SSE line kept by default (8 MiB of text); longer lines are dropped. */
export const DEFAULT_MAX_EVENT_LINE = 8 * 1024 * 1024;

/** Counters of one event stream, updated as it is read. */
export interface SaltEventStreamStats {
  /** Events handed to the consumer. */
  events: number;
  /** `data:` lines skipped because they were not `{"tag": string, "data": object}` JSON. */
  malformed: number;
  /** Lines dropped because they were longer than the cap. */
  oversized: number;
  /** The reconnection delay the server asked for (`retry:`), in ms; salt-api sends 400. */
  retryMs: number | undefined;
}

/** Options of {@link readSaltEvents}. */
export interface ReadSaltEventsOptions {
  /** Aborting it ends the iteration cleanly (no error). */
  signal?: AbortSignal | undefined;
  /** Longest SSE line (and event) kept, in characters; default {@link DEFAULT_MAX_EVENT_LINE}. */
  maxLineLength?: number | undefined;
  /** Counters to update; pass your own object to watch them from outside. */
  stats?: SaltEventStreamStats | undefined;
  /** Skipped and dropped events are logged here at debug level. */
  logger?: Logger | undefined;
}

/** Fresh, zeroed {@link SaltEventStreamStats}. */
export function emptySaltEventStreamStats(): SaltEventStreamStats {
  return { events: 0, malformed: 0, oversized: 0, retryMs: undefined };
}

function isLineEnd(code: number): boolean {
  return code === 10 || code === 13;
}

function indexOfLineEnd(text: string): number {
  for (let i = 0; i < text.length; i++) if (isLineEnd(text.charCodeAt(i))) return i;
  return -1;
}

/**
 * Reads salt-api's `/events` body (Server-Sent Events) into {@link SaltEvent}s, with
 * eventsource-parser. It tolerates what salt-api sends: the `retry: 400` line in the same block
 * as the first event, the non-standard `tag:` field, no `id:`, events split across chunks.
 *
 * Memory is bounded: a line longer than `maxLineLength` is dropped (counted in `oversized`)
 * instead of being buffered, and the rest of that line is skipped as it arrives. A `data:` line
 * that is not the expected JSON is skipped and counted in `malformed`, never thrown.
 *
 * The iteration returns when `signal` aborts. When the body ends or breaks without an abort it
 * throws {@link SaltAPIUnavailable} (`stream_closed` or `connection_reset`), so the caller can
 * reconnect. Leaving the loop early cancels the body.
 */
export async function* readSaltEvents(
  body: ReadableStream<Uint8Array>,
  options: ReadSaltEventsOptions = {},
): AsyncGenerator<SaltEvent, void, undefined> {
  const { signal } = options;
  const maxLine = options.maxLineLength ?? DEFAULT_MAX_EVENT_LINE;
  const stats = options.stats ?? emptySaltEventStreamStats();
  const logger = options.logger ?? silentLogger;
  const ready: SaltEvent[] = [];
  let overflowed = false;
  let skippingLine = false;

  const dropOversized = (length: number) => {
    stats.oversized++;
    logger.debug('salt-api event dropped: line over the cap', { length, cap: maxLine });
  };

  const parser = createParser({
    maxBufferSize: maxLine,
    onRetry: (ms) => {
      stats.retryMs = ms;
    },
    onError: (error: ParseError) => {
      if (error.type === 'max-buffer-size-exceeded') overflowed = true;
    },
    onEvent: ({ data }) => {
      if (data.length > maxLine) {
        dropOversized(data.length);
        return;
      }
      const event = toSaltEvent(data);
      if (event) {
        ready.push(event);
        return;
      }
      stats.malformed++;
      logger.debug('salt-api event skipped: not {tag, data} JSON', { length: data.length });
    },
  });

  const feed = (text: string) => {
    let chunk = text;
    if (skippingLine) {
      const end = indexOfLineEnd(chunk);
      if (end === -1) return;
      skippingLine = false;
      chunk = chunk.slice(end);
    }
    if (chunk === '') return;
    parser.feed(chunk);
    if (overflowed) {
      // The parser gave up on a line that grew past the cap (and discarded it): start afresh
      // and skip what is left of that line as it arrives.
      overflowed = false;
      parser.reset();
      dropOversized(maxLine);
      skippingLine = !isLineEnd(chunk.charCodeAt(chunk.length - 1));
    }
  };

  const reader = body.getReader();
  const decoder = new TextDecoder();
  // A read parked on an idle stream wakes up (done) when the body is cancelled.
  const onAbort = () => {
    reader.cancel().catch(() => {});
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (true) {
      if (signal?.aborted) return;
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        if (signal?.aborted) return;
        throw new SaltAPIUnavailable('the salt-api event stream broke', {
          reason: 'connection_reset',
          cause: error,
        });
      }
      if (next.done) {
        feed(decoder.decode());
      } else {
        feed(decoder.decode(next.value, { stream: true }));
      }
      for (const event of ready.splice(0)) {
        stats.events++;
        yield event;
        if (signal?.aborted) return;
      }
      if (next.done) {
        if (signal?.aborted) return;
        throw new SaltAPIUnavailable('salt-api closed the event stream', { reason: 'stream_closed' });
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.cancel().catch(() => {});
  }
}

/** `{"tag": string, "data": object}` from one `data:` line, or undefined. */
function toSaltEvent(line: string): SaltEvent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const { tag, data } = parsed as { tag?: unknown; data?: unknown };
  if (typeof tag !== 'string' || data === null || typeof data !== 'object' || Array.isArray(data)) {
    return undefined;
  }
  return { tag, data: data as Record<string, unknown> };
}
