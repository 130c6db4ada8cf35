import { HaliteError } from '../errors.js';
import type { MinionSortField, MinionSummary } from '../store/minions.js';
import { ReadCache } from '../store/read-cache.js';
import type { Store } from '../store/store.js';
import type {
  Freshness,
  MinionDetail,
  MinionItem,
  MinionList,
  MinionStats,
  MinionsQuery,
} from './schemas.js';

/** Minion data older than this is flagged stale. */
export const STALE_AFTER_MS = 10 * 60_000;

const SORT: Record<MinionsQuery['sort'], MinionSortField> = {
  id: 'minionId',
  os: 'os',
  os_family: 'osFamily',
  saltversion: 'saltversion',
  ip: 'primaryIp',
  last_seen: 'lastSeenAt',
};

/** Reads of the minion snapshots: every answer comes from the Store, never from Salt. */
export class MinionService {
  readonly #store: Store;
  readonly #now: () => Date;
  readonly #cache: ReadCache;

  /**
   * @param store - where minions are read
   * @param now - the clock of the freshness flags
   * @param cache - shares list and count answers between identical reads (default: none)
   */
  constructor(store: Store, now: () => Date = () => new Date(), cache?: ReadCache) {
    this.#store = store;
    this.#now = now;
    this.#cache = cache ?? new ReadCache(store.changes, false);
  }

  /**
   * A filtered, sorted page of minions (without grains), with the data's freshness. Identical
   * queries may share one answer (frozen) until the next write or the cache's time limit.
   */
  list(q: MinionsQuery): Promise<MinionList> {
    return this.#cache.read(['minions'], `minions.list ${JSON.stringify(q)}`, () => this.#list(q));
  }

  async #list(q: MinionsQuery): Promise<MinionList> {
    const [page, freshness] = await Promise.all([
      this.#store.minions.list({
        limit: q.limit,
        offset: q.offset,
        sort: SORT[q.sort],
        order: q.order,
        ...(q.search ? { search: q.search } : {}),
        ...(q.id_prefix ? { idPrefix: q.id_prefix } : {}),
        ...(q.status?.length ? { status: q.status } : {}),
        ...(q.os_family?.length ? { osFamily: q.os_family } : {}),
        ...(q.os?.length ? { os: q.os } : {}),
        ...(q.saltversion?.length ? { saltversion: q.saltversion } : {}),
        ...(q.grain?.length ? { grains: q.grain } : {}),
      }),
      this.freshness(),
    ]);
    return { total: page.total, minions: page.items.map(toItem), ...freshness };
  }

  /** One minion with its grains; `not_found` when there is no such minion. */
  async get(minionId: string): Promise<MinionDetail> {
    const [row, freshness] = await Promise.all([this.#store.minions.get(minionId), this.freshness()]);
    if (!row) throw new HaliteError('not_found', 'Minion not found', { details: { minion_id: minionId } });
    return { ...toItem(row), grains: row.grains, ...freshness };
  }

  /** Counts by status, OS family and Salt version, for the overview (shared like {@link list}). */
  stats(): Promise<MinionStats> {
    return this.#cache.read(['minions'], 'minions.stats', () => this.#stats());
  }

  async #stats(): Promise<MinionStats> {
    const [total, byStatus, byOs, byVersion, freshness] = await Promise.all([
      this.#store.minions.count(),
      this.#store.minions.countBy('status'),
      this.#store.minions.countBy('osFamily'),
      this.#store.minions.countBy('saltversion'),
      this.freshness(),
    ]);
    return { total, by_status: byStatus, by_os_family: byOs, by_saltversion: byVersion, ...freshness };
  }

  /** When each source was refreshed, and whether that is too long ago. */
  async freshness(): Promise<Freshness> {
    const t = await this.#store.minions.refreshTimes();
    const times = [t.keys, t.presence, t.grains].filter((x): x is string => x !== null).sort();
    const now = this.#now().getTime();
    const old = (x: string | null) => x === null || now - Date.parse(x) > STALE_AFTER_MS;
    return {
      last_refreshed_at: times.at(-1) ?? null,
      is_stale: old(t.keys) || old(t.presence),
      refreshed: { keys: t.keys, presence: t.presence, grains: t.grains },
    };
  }
}

function toItem(m: MinionSummary): MinionItem {
  return {
    id: m.minionId,
    status: m.status,
    key_status: m.keyStatus,
    ip: m.primaryIp,
    os: m.os,
    os_family: m.osFamily,
    osrelease: m.osrelease,
    kernel: m.kernel,
    kernelrelease: m.kernelrelease,
    virtual: m.virtual,
    num_cpus: m.numCpus,
    mem_total: m.memTotal,
    saltversion: m.saltversion,
    first_seen_at: m.firstSeenAt,
    last_seen_at: m.lastSeenAt,
    grains_refreshed_at: m.grainsRefreshedAt,
  };
}
