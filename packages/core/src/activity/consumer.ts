import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { type DropReason, normalizeSaltEvent } from './normalize.js';
import type { NormalizedEvent } from './schemas.js';

/** Anything that yields salt-api events: the SaltAPIClient, or a fake in tests. */
export interface ActivityEventSource {
  /**
   * One long-lived `/events` stream; ends on abort, throws when the connection drops. `onOpen`
   * (when the source supports it) is called once the connection is up, before any event.
   */
  events(options: {
    signal: AbortSignal;
    onOpen?: () => void;
  }): AsyncIterable<{ tag: string; data: Record<string, unknown> }>;
}

/** Reconnect backoff of the consumer. */
export interface ConsumerBackoff {
  /** First delay after a drop (default 1 s). */
  initialMs: number;
  /** Longest delay (default 30 s). */
  maxMs: number;
  /** A connection that stayed up this long resets the delay (default 60 s). */
  healthyAfterMs: number;
}

/** Options of {@link EventStreamConsumer}. */
export interface EventStreamConsumerOptions {
  /** Where the events come from. */
  source: ActivityEventSource;
  /** Persists a batch of kept events, then publishes them (persist before publish). */
  sink: (events: NormalizedEvent[]) => Promise<void>;
  /** Called after every reconnect, so pollers can run a catch-up pass at once. */
  onReconnect?: () => void;
  /** Reconnect backoff. */
  backoff?: Partial<ConsumerBackoff>;
  /** Most events in one sink call (default 500). */
  maxBatch?: number;
  /** Longest an event waits for its batch to fill (default 50 ms). */
  maxBatchDelayMs?: number;
  /** A repeated `key.pend` for the same minion within this window is dropped (default 15 min). */
  pendDedupeMs?: number;
  /** Where errors go. */
  logger?: Logger;
  /** Clock in ms; injectable for tests. */
  now?: () => number;
}

/** The consumer's state, as the API shows it (UTC ISO times). */
export interface EventStreamConsumerStatus {
  /** What it is doing now. */
  state: 'stopped' | 'connecting' | 'connected' | 'waiting';
  /** When the current connection came up. */
  connected_since: string | null;
  /** When the last event (kept or not) arrived. */
  last_event_at: string | null;
  /** Reconnects since start. */
  reconnects: number;
  /** The last connection or persistence error. */
  last_error: string | null;
  /** Events read from salt-api. */
  received: number;
  /** Events kept and handed to the sink. */
  kept: number;
  /** Events dropped, by reason (`duplicate` is a repeated pending-key notice). */
  dropped: Record<DropReason | 'duplicate' | 'sink_failed', number>;
}

const PEND_MEMORY = 10_000;

/**
 * Tails salt-api `/events`, normalizes each event, and hands kept ones in batches to a sink
 * that persists and then publishes them. It reconnects on any drop with backoff (1 s doubling
 * to 30 s, reset after a healthy minute), calls `onReconnect` after each reconnect so pollers
 * catch up, and never throws out of its loop. A failing sink is retried, then the batch is
 * counted as lost and logged; the pollers' next pass fills the job index again.
 */
export class EventStreamConsumer {
  readonly #o: EventStreamConsumerOptions;
  readonly #backoff: ConsumerBackoff;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #pendSeen = new Map<string, number>();
  #abort: AbortController | null = null;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #status: EventStreamConsumerStatus = {
    state: 'stopped',
    connected_since: null,
    last_event_at: null,
    reconnects: 0,
    last_error: null,
    received: 0,
    kept: 0,
    dropped: { ignored: 0, internal: 0, malformed: 0, duplicate: 0, sink_failed: 0 },
  };

  constructor(options: EventStreamConsumerOptions) {
    this.#o = options;
    this.#backoff = { initialMs: 1_000, maxMs: 30_000, healthyAfterMs: 60_000, ...options.backoff };
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
  }

  /** Starts following the stream; a no-op when already started. */
  start(): void {
    if (this.#loop) return;
    this.#abort = new AbortController();
    this.#loop = this.#run(this.#abort.signal);
  }

  /** Stops: closes the stream, flushes nothing further, resolves when the loop has ended. */
  async stop(): Promise<void> {
    if (!this.#loop) return;
    this.#abort?.abort();
    this.#wake?.();
    await this.#loop;
    this.#loop = null;
    this.#status.state = 'stopped';
    this.#status.connected_since = null;
  }

  /** A copy of the current status. */
  status(): EventStreamConsumerStatus {
    return { ...this.#status, dropped: { ...this.#status.dropped } };
  }

  async #run(signal: AbortSignal): Promise<void> {
    let delay = this.#backoff.initialMs;
    let first = true;
    while (!signal.aborted) {
      this.#status.state = 'connecting';
      const startedAt = this.#now();
      try {
        await this.#follow(signal, first);
      } catch (error) {
        this.#status.last_error = error instanceof Error ? error.message : String(error);
        this.#logger.warn('event stream dropped', { error: this.#status.last_error });
      }
      if (signal.aborted) break;
      this.#status.connected_since = null;
      if (this.#now() - startedAt >= this.#backoff.healthyAfterMs) delay = this.#backoff.initialMs;
      this.#status.state = 'waiting';
      await this.#sleep(delay, signal);
      delay = Math.min(delay * 2, this.#backoff.maxMs);
      first = false;
      this.#status.reconnects += 1;
    }
  }

  async #follow(signal: AbortSignal, first: boolean): Promise<void> {
    const batch: NormalizedEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    let flushing: Promise<void> = Promise.resolve();
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (batch.length === 0) return flushing;
      const events = batch.splice(0, batch.length);
      flushing = flushing.then(() => this.#deliver(events));
      return flushing;
    };
    let announced = false;
    const open = () => {
      if (announced) return;
      announced = true;
      this.#connected(first);
    };
    try {
      for await (const raw of this.#o.source.events({ signal, onOpen: open })) {
        open();
        this.#status.received += 1;
        const now = this.#now();
        this.#status.last_event_at = new Date(now).toISOString();
        const result = normalizeSaltEvent(raw, { receivedAt: new Date(now) });
        if (!result.kept) {
          this.#status.dropped[result.reason] += 1;
          continue;
        }
        if (this.#isRepeatedPend(result.event, now)) {
          this.#status.dropped.duplicate += 1;
          continue;
        }
        batch.push(result.event);
        if (batch.length >= (this.#o.maxBatch ?? 500)) await flush();
        else timer ??= setTimeout(() => void flush(), this.#o.maxBatchDelayMs ?? 50);
      }
      // salt-api ended the response without being asked to (e.g. its session expired).
      if (!signal.aborted) throw new Error('event stream ended');
    } finally {
      await flush();
    }
  }

  #connected(first: boolean): void {
    this.#status.state = 'connected';
    this.#status.connected_since = new Date(this.#now()).toISOString();
    if (!first) {
      this.#logger.info('event stream reconnected', { reconnects: this.#status.reconnects });
      try {
        this.#o.onReconnect?.();
      } catch (error) {
        this.#logger.warn('onReconnect failed', { error: String(error) });
      }
    }
  }

  async #deliver(events: NormalizedEvent[]): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      try {
        await this.#o.sink(events);
        this.#status.kept += events.length;
        return;
      } catch (error) {
        this.#status.last_error = error instanceof Error ? error.message : String(error);
        this.#logger.error('persisting activity events failed', {
          attempt,
          count: events.length,
          error: this.#status.last_error,
        });
        if (attempt < 3) await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
    this.#status.dropped.sink_failed += events.length;
  }

  /** Salt repeats `salt/auth` pend every ~10 s while a key waits; keep one per window. */
  #isRepeatedPend(event: NormalizedEvent, now: number): boolean {
    if (event.event_type !== 'key.pend' || !event.minion_id) {
      if (event.category === 'key' && event.minion_id) this.#pendSeen.delete(event.minion_id);
      return false;
    }
    const seen = this.#pendSeen.get(event.minion_id);
    if (seen !== undefined && now - seen < (this.#o.pendDedupeMs ?? 15 * 60_000)) return true;
    this.#pendSeen.delete(event.minion_id);
    this.#pendSeen.set(event.minion_id, now);
    if (this.#pendSeen.size > PEND_MEMORY) {
      const oldest = this.#pendSeen.keys().next().value;
      if (oldest !== undefined) this.#pendSeen.delete(oldest);
    }
    return false;
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.#wake = null;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
