import { type EventBus, InProcessEventBus } from './event-bus.js';

/** What a subscriber receives: an event, or a final reset when it fell behind or the gap is too big. */
export type HubMessage<T> =
  | { type: 'event'; event: T }
  | { type: 'reset'; reason: 'slow_consumer' | 'gap_too_large' | 'closed' };

/** Options of {@link EventHub}. */
export interface EventHubOptions<T> {
  /** Most recent events kept in memory for replay (default 500). */
  ringSize?: number;
  /** Events a subscriber may have waiting before it is cut off with a reset (default 1000). */
  queueSize?: number;
  /** Most events one resume may read from the Store before it gives up with a reset (default 10 000). */
  maxResume?: number;
  /** Where published batches travel (default in-process). */
  bus?: EventBus<T>;
  /** Reads persisted events with id > `afterId`, ascending, at most `limit`: resume beyond the ring. */
  loadAfter?: (afterId: number, limit: number) => Promise<T[]>;
}

/**
 * A live subscription: iterate it for one message at a time, or iterate {@link batches} for
 * everything waiting at once (what a fan-out writer wants: one write per wake-up, not per event).
 * Use one of the two, not both.
 */
export interface HubSubscription<T> extends AsyncIterable<HubMessage<T>> {
  /**
   * The same messages in arrays: each step takes every message waiting, in order (at least
   * one). The subscription ends after a reset or when it is closed.
   */
  batches(): AsyncIterable<readonly HubMessage<T>[]>;
}

/** Options of {@link EventHub.subscribe}. */
export interface SubscribeOptions<T> {
  /** Resume after this id (an SSE `Last-Event-ID`); without it the ring is replayed. */
  lastEventId?: number;
  /** Only events this returns true for are delivered (e.g. the categories a user may view). */
  filter?: (event: T) => boolean;
  /** Ends the subscription. */
  signal?: AbortSignal;
}

/**
 * Fans persisted activity events out to live subscribers (SSE clients). It keeps a ring of the
 * most recent events for replay and a bounded queue per subscriber: a subscriber that falls
 * `queueSize` events behind gets a final `reset` and is dropped, so memory never grows with a
 * slow client. A subscriber resuming from an id gets exactly the events after it, from the ring
 * or, beyond it, from the Store, with no duplicate and no gap.
 *
 * @example
 * ```ts
 * const hub = new EventHub<StoredEvent>({ loadAfter: (id, n) => store.activity.after(id, { limit: n }) });
 * hub.publish(await store.activity.insert(batch));          // persist first, then publish
 * for await (const msg of hub.subscribe({ lastEventId: 41, signal })) send(msg);
 * ```
 */
export class EventHub<T extends { id: number }> {
  // Messages, not events: one message object per event is shared by every subscriber.
  readonly #ring: EventMessage<T>[] = [];
  readonly #ringSize: number;
  readonly #queueSize: number;
  readonly #maxResume: number;
  readonly #bus: EventBus<T>;
  readonly #loadAfter: EventHubOptions<T>['loadAfter'];
  readonly #subscribers = new Set<Subscriber<T>>();
  readonly #unsubscribeBus: () => void;

  constructor(options: EventHubOptions<T> = {}) {
    this.#ringSize = options.ringSize ?? 500;
    // A subscriber must be able to hold a whole ring replay.
    this.#queueSize = Math.max(options.queueSize ?? 1000, this.#ringSize + RESUME_PAGE);
    this.#maxResume = options.maxResume ?? 10_000;
    this.#bus = options.bus ?? new InProcessEventBus<T>();
    this.#loadAfter = options.loadAfter;
    this.#unsubscribeBus = this.#bus.subscribe((events) => this.#deliver(events));
  }

  /** Publishes events that are already persisted, in ascending id order. */
  publish(events: readonly T[]): void {
    if (events.length > 0) this.#bus.publish(events);
  }

  /** The ring's events, oldest first. */
  recent(): T[] {
    return this.#ring.map((m) => m.event);
  }

  /** Live subscribers right now. */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** Subscribes: replay (ring or resume), then live events, until `signal` aborts or a reset. */
  subscribe(options: SubscribeOptions<T> = {}): HubSubscription<T> {
    const sub = new Subscriber<T>(this.#queueSize, options.filter, () => this.#subscribers.delete(sub));
    this.#subscribers.add(sub);
    options.signal?.addEventListener('abort', () => sub.close(), { once: true });
    if (options.signal?.aborted) sub.close();
    void this.#replay(sub, options.lastEventId);
    return sub;
  }

  /** Ends every subscription with a `closed` reset and detaches from the bus. */
  close(): void {
    this.#unsubscribeBus();
    for (const sub of this.#subscribers) sub.reset('closed');
  }

  #deliver(events: readonly T[]): void {
    const messages = events.map(eventMessage);
    for (const m of messages) this.#ring.push(m);
    if (this.#ring.length > this.#ringSize) this.#ring.splice(0, this.#ring.length - this.#ringSize);
    for (const sub of this.#subscribers) sub.live(messages);
  }

  async #replay(sub: Subscriber<T>, lastEventId: number | undefined): Promise<void> {
    try {
      if (lastEventId === undefined) {
        sub.replayed(this.#ring);
        return;
      }
      let cursor = lastEventId;
      let read = 0;
      // Read from the Store while the ring does not reach back to the cursor.
      while (this.#loadAfter && !this.#ringCovers(cursor)) {
        if (read >= this.#maxResume) return sub.reset('gap_too_large');
        const limit = Math.min(RESUME_PAGE, this.#maxResume - read);
        await sub.room(limit); // backpressure: never queue more than the subscriber may hold
        if (sub.closed) return;
        const page = await this.#loadAfter(cursor, limit);
        if (page.length === 0) break;
        sub.replayed(page.map(eventMessage));
        read += page.length;
        cursor = page[page.length - 1]?.id ?? cursor;
        if (sub.closed) return;
      }
      sub.replayed(this.#ring.filter((m) => m.event.id > cursor));
    } catch {
      sub.reset('gap_too_large');
    } finally {
      sub.replayDone();
    }
  }

  /**
   * Whether the ring holds every event after `cursor`. An empty ring (a fresh process) covers
   * nothing: what a client missed before a restart is in the Store.
   */
  #ringCovers(cursor: number): boolean {
    const first = this.#ring[0];
    return first !== undefined && first.event.id <= cursor + 1;
  }
}

const RESUME_PAGE = 250;

type EventMessage<T> = Extract<HubMessage<T>, { type: 'event' }>;
const eventMessage = <T>(event: T): EventMessage<T> => ({ type: 'event', event });

/** One subscriber's bounded queue; live events wait until replay is done, and ids never repeat. */
class Subscriber<T extends { id: number }> implements HubSubscription<T> {
  closed = false;
  #queue: HubMessage<T>[] = [];
  #held: EventMessage<T>[] = [];
  #replaying = true;
  #lastId = Number.NEGATIVE_INFINITY;
  #waiter: (() => void) | null = null;
  #roomWaiter: { need: number; resolve: () => void } | null = null;

  constructor(
    private readonly queueSize: number,
    private readonly filter: ((event: T) => boolean) | undefined,
    private readonly onClose: () => void,
  ) {}

  replayed(messages: readonly EventMessage<T>[]): void {
    for (const m of messages) this.#push(m);
  }

  replayDone(): void {
    this.#replaying = false;
    const held = this.#held;
    this.#held = [];
    this.replayed(held);
  }

  live(messages: readonly EventMessage<T>[]): void {
    if (this.closed) return;
    if (this.#replaying) {
      for (const m of messages) this.#held.push(m);
      if (this.#held.length > this.queueSize) this.reset('slow_consumer');
      return;
    }
    this.replayed(messages);
  }

  /** Resolves once `n` more events fit in the queue (or the subscriber is closed). */
  room(n: number): Promise<void> {
    if (this.closed || this.#queue.length + n <= this.queueSize) return Promise.resolve();
    return new Promise((resolve) => {
      this.#roomWaiter = { need: n, resolve };
    });
  }

  reset(reason: 'slow_consumer' | 'gap_too_large' | 'closed'): void {
    if (this.closed) return;
    // What is queued is still delivered: the client resumes from the last id it saw.
    this.#queue.push({ type: 'reset', reason });
    this.#finish();
  }

  close(): void {
    if (this.closed) return;
    this.#queue = [];
    this.#finish();
  }

  #push(message: EventMessage<T>): void {
    const event = message.event;
    if (this.closed || event.id <= this.#lastId) return;
    this.#lastId = event.id;
    if (this.filter && !this.filter(event)) return;
    if (this.#queue.length >= this.queueSize) {
      this.reset('slow_consumer');
      return;
    }
    this.#queue.push(message);
    this.#wake();
  }

  #finish(): void {
    this.closed = true;
    this.#roomWaiter?.resolve();
    this.#roomWaiter = null;
    this.#held = [];
    this.onClose();
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<HubMessage<T>> {
    for await (const batch of this.batches()) yield* batch;
  }

  async *batches(): AsyncIterable<readonly HubMessage<T>[]> {
    try {
      while (true) {
        if (this.#queue.length > 0) {
          const batch = this.#queue;
          this.#queue = [];
          const rw = this.#roomWaiter;
          if (rw) {
            this.#roomWaiter = null;
            rw.resolve();
          }
          yield batch;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => {
          this.#waiter = resolve;
        });
      }
    } finally {
      this.close();
    }
  }
}
