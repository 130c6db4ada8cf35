import type { QueryClient } from '@tanstack/react-query';
import { type ActivityEvent, parseActivityEvent, staleRoots } from './activity-event';

/** How the connection to `GET /api/activity/stream` stands. */
export type StreamState = 'connecting' | 'open' | 'retrying' | 'unavailable';

type EventListener = (event: ActivityEvent) => void;

/** What {@link LiveEvents} needs of an `EventSource` (tests hand in their own). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent<string>) => void) | null;
  onerror: ((event: Event) => void) | null;
  close(): void;
}

/** `EventSource.CONNECTING`: the source is reconnecting by itself. */
const CONNECTING = 0;

/** Opens the stream; the browser's `EventSource` unless a test gives another. */
export type OpenStream = (url: string) => EventSourceLike;

const openEventSource: OpenStream = (url) => new EventSource(url, { withCredentials: true });
type StateListener = (state: StreamState) => void;

/** Invalidations of one query root are coalesced to at most one per this many ms. */
const INVALIDATE_EVERY_MS = 1_000;

/**
 * The one live connection of the app. The browser's EventSource reconnects by itself and sends
 * `Last-Event-ID`, so the server resumes where the stream left off; when the server refuses
 * (stream disabled: 503) the source closes and a new one is opened after a back-off. Each event
 * makes the matching queries stale (coalesced, so a burst of returns refetches a list once)
 * and goes to every subscriber (the activity feed, the run page).
 */
export class LiveEvents {
  readonly #queryClient: QueryClient;
  readonly #listeners = new Set<EventListener>();
  readonly #stateListeners = new Set<StateListener>();
  readonly #pending = new Map<string, ReturnType<typeof setTimeout>>();
  #source: EventSourceLike | null = null;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #backoffMs = 2_000;
  #lastId = 0;
  #state: StreamState = 'connecting';

  readonly #openStream: OpenStream;

  constructor(queryClient: QueryClient, openStream: OpenStream = openEventSource) {
    this.#queryClient = queryClient;
    this.#openStream = openStream;
  }

  /** Opens the connection (idempotent). */
  start(): void {
    if (this.#source || this.#retry) return;
    this.#open();
  }

  /** Closes it and forgets every timer. */
  stop(): void {
    this.#source?.close();
    this.#source = null;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    for (const timer of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
  }

  /** Calls `listener` with every event from now on; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The connection state, and a way to follow it. */
  get state(): StreamState {
    return this.#state;
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onState(listener: StateListener): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  #setState(state: StreamState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const listener of this.#stateListeners) listener(state);
  }

  #open(): void {
    this.#retry = null;
    const source = this.#openStream('/api/activity/stream');
    this.#source = source;
    source.onopen = () => {
      this.#backoffMs = 2_000;
      this.#setState('open');
    };
    source.onmessage = (message) => {
      const event = parseActivityEvent(message.data);
      // Replays after a reconnect can repeat what was seen; ids only grow.
      if (!event || event.id <= this.#lastId) return;
      this.#lastId = event.id;
      for (const root of staleRoots(event)) this.#invalidateSoon(root);
      for (const listener of this.#listeners) listener(event);
    };
    source.onerror = () => {
      if (source.readyState === CONNECTING) {
        this.#setState('retrying');
        return;
      }
      // Closed: the server answered with an error status (stream disabled, signed out).
      source.close();
      this.#source = null;
      this.#setState('unavailable');
      this.#retry = setTimeout(() => this.#open(), this.#backoffMs);
      this.#backoffMs = Math.min(this.#backoffMs * 2, 60_000);
    };
  }

  #invalidateSoon(root: string): void {
    if (this.#pending.has(root)) return;
    this.#pending.set(
      root,
      setTimeout(() => {
        this.#pending.delete(root);
        void this.#queryClient.invalidateQueries({ queryKey: [root] });
      }, INVALIDATE_EVERY_MS),
    );
  }
}
