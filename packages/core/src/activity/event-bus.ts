/**
 * How the EventHub hears about newly persisted events. The default delivers in-process; a
 * distributed one (PostgreSQL LISTEN/NOTIFY) lets every instance serve every event.
 */
export interface EventBus<T> {
  /** Hands a batch of persisted events, in ascending id order, to every listener. */
  publish(events: readonly T[]): void;
  /** Registers a listener; returns the function that removes it. */
  subscribe(listener: (events: readonly T[]) => void): () => void;
}

/**
 * The default {@link EventBus}: synchronous delivery to listeners in this process. A listener
 * that throws is isolated; the others still get the batch.
 */
export class InProcessEventBus<T> implements EventBus<T> {
  readonly #listeners = new Set<(events: readonly T[]) => void>();

  publish(events: readonly T[]): void {
    for (const listener of this.#listeners) {
      try {
        listener(events);
      } catch {
        // A broken listener must not stop delivery to the others.
      }
    }
  }

  subscribe(listener: (events: readonly T[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
