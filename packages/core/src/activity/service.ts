import { HaliteError } from '../errors.js';
import type { ActivityEvent } from '../store/activity.js';
import type { Store } from '../store/store.js';
import type { EventHub, HubSubscription } from './event-hub.js';
import type {
  ActivityCategory,
  ActivityEventType,
  ActivityItem,
  ActivityList,
  ActivityQuery,
} from './schemas.js';

/** The activity feed: paged history from the Store, and the live stream from the hub. */
export class ActivityService {
  readonly #store: Store;
  readonly #hub: EventHub<ActivityEvent>;
  readonly #now: () => Date;

  constructor(store: Store, hub: EventHub<ActivityEvent>, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#hub = hub;
    this.#now = now;
  }

  /**
   * A page of history, newest first, limited to `categories` (what the caller may view).
   */
  async list(q: ActivityQuery, categories: readonly ActivityCategory[]): Promise<ActivityList> {
    const allowed = q.category?.length ? q.category.filter((c) => categories.includes(c)) : [...categories];
    if (allowed.length === 0) return { total: 0, events: [] };
    const page = await this.#store.activity.list({
      limit: q.limit,
      offset: q.offset,
      categories: allowed,
      hideRoutine: q.hide_routine,
      hideDispatch: q.hide_dispatch,
      ...(q.event_type?.length ? { eventTypes: q.event_type } : {}),
      ...(q.minion_id ? { minionId: q.minion_id } : {}),
      ...(q.jid ? { jid: q.jid } : {}),
      ...(q.search ? { search: q.search } : {}),
      ...(q.since_minutes ? { since: new Date(this.#now().getTime() - q.since_minutes * 60_000) } : {}),
    });
    return { total: page.total, events: page.items.map(toActivityItem) };
  }

  /**
   * The live feed for one subscriber: the ring (or exactly what came after `lastEventId`), then
   * live events, only in `categories`. When the event stream is switched off in the settings the
   * call fails with `salt_unconfigured` (503) and a message that says so.
   */
  async stream(options: {
    categories: readonly ActivityCategory[];
    lastEventId?: number;
    signal?: AbortSignal;
  }): Promise<HubSubscription<ActivityEvent>> {
    const settings = await this.#store.settings.get();
    if (!settings.eventStreamEnabled) {
      throw new HaliteError('salt_unconfigured', 'The event stream is not enabled (Settings → Event stream)');
    }
    const categories = new Set<string>(options.categories);
    return this.#hub.subscribe({
      filter: (e) => categories.has(e.category),
      ...(options.lastEventId !== undefined ? { lastEventId: options.lastEventId } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
}

/** A stored activity event on the wire. */
export function toActivityItem(e: ActivityEvent): ActivityItem {
  return {
    id: e.id,
    ts: e.occurredAt,
    category: e.category as ActivityCategory,
    event_type: e.eventType as ActivityEventType,
    minion_id: e.minionId,
    jid: e.jid,
    fun: e.fun,
    success: e.success,
    changed: e.changed,
    initiator: e.initiator,
    target: e.target,
    duration_ms: e.durationMs,
    summary: e.summary,
  };
}
