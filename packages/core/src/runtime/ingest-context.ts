import type { Logger } from '../logger.js';
import type { SaltAPIClient } from '../salt/client.js';
import type { Store } from '../store/store.js';

/** What one ingest pass needs: the live client, the Store, and its cancellation. */
export interface IngestContext {
  /** The salt-api client of the current runtime. */
  salt: SaltAPIClient;
  /** Where snapshots go. */
  store: Store;
  /** Aborts the pass (runtime teardown). */
  signal: AbortSignal;
  /** Where progress goes. */
  logger: Logger;
  /** The clock (injectable for tests). */
  now: () => Date;
  /** Keys deleted by an action lately: a keys list fetched before the delete must not bring them back. */
  keyDeletes?: RecentKeyDeletes;
}

/**
 * Keys deleted through Halite in the last minutes, by time. A deleted key leaves no row for the
 * Store to compare a stale keys list with, so the keys pass asks here instead.
 */
export class RecentKeyDeletes {
  readonly #at = new Map<string, number>();
  readonly #keepMs: number;
  readonly #max: number;

  /** @param options - how long a delete is remembered (default 10 min) and how many (default 10,000) */
  constructor(options: { keepMs?: number; max?: number } = {}) {
    this.#keepMs = options.keepMs ?? 600_000;
    this.#max = options.max ?? 10_000;
  }

  /** Records that `keyId` was deleted at `at`. */
  record(keyId: string, at: Date): void {
    const ms = at.getTime();
    for (const [id, t] of this.#at) if (t < ms - this.#keepMs) this.#at.delete(id);
    this.#at.delete(keyId);
    this.#at.set(keyId, ms);
    if (this.#at.size > this.#max) this.#at.delete(this.#at.keys().next().value as string);
  }

  /** The keys deleted at or after `at` (UTC ISO). */
  since(at: string): Set<string> {
    const ms = Date.parse(at);
    const ids = new Set<string>();
    for (const [id, t] of this.#at) if (t >= ms) ids.add(id);
    return ids;
  }
}
