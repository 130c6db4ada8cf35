import { HaliteError } from '../errors.js';
import type { RuntimeConfig } from '../runtime/runtime-config.js';
import { KeyChange } from '../salt/schemas.js';
import type { KeyStatus } from '../store/minions.js';
import { ReadCache } from '../store/read-cache.js';
import type { Store } from '../store/store.js';
import type { KeyList, KeyListQuery } from './schemas.js';

/** A key action. */
export type KeyAction = 'accept' | 'reject' | 'delete';

const STATES: readonly KeyStatus[] = ['pending', 'accepted', 'rejected', 'denied'];

/**
 * Keys: the list is read from the Store (kept fresh by the keys poller and, with the event
 * stream on, by `salt/key` events: see `minionChangesFromEvents`);
 * accept, reject and delete call salt-api, then write the new state to the Store at once so the
 * console shows it before the next poll.
 */
export class KeyService {
  readonly #store: Store;
  readonly #runtime: RuntimeConfig;
  readonly #now: () => Date;
  readonly #cache: ReadCache;

  /**
   * @param store - where keys are read and written
   * @param runtime - the salt-api client
   * @param now - the clock (the one the pollers use)
   */
  constructor(store: Store, runtime: RuntimeConfig, now: () => Date = () => new Date(), cache?: ReadCache) {
    this.#store = store;
    this.#runtime = runtime;
    this.#now = now;
    this.#cache = cache ?? new ReadCache(store.changes, false);
  }

  /**
   * A page of keys, pending first, with counts per state. Identical queries may share one
   * answer (frozen) until the next write or the cache's time limit.
   */
  list(q: KeyListQuery): Promise<KeyList> {
    return this.#cache.read(['minions'], `keys.list ${JSON.stringify(q)}`, () => this.#list(q));
  }

  async #list(q: KeyListQuery): Promise<KeyList> {
    const states = q.status?.length ? STATES.filter((s) => q.status?.includes(s)) : STATES;
    const search = q.search ? { search: q.search } : {};
    const [counts, refreshed] = await Promise.all([
      this.#store.minions.countBy('keyStatus', search),
      this.#store.minions.refreshTimes(),
    ]);
    const count = (s: KeyStatus) => counts.find((c) => c.value === s)?.count ?? 0;
    // Walk the states in display order, paging across them without loading any whole state.
    const keys: KeyList['keys'] = [];
    let skip = q.offset;
    for (const state of states) {
      const n = count(state);
      if (skip >= n) {
        skip -= n;
        continue;
      }
      const page = await this.#store.minions.list({
        keyStatus: [state],
        ...search,
        sort: 'minionId',
        offset: skip,
        limit: q.limit - keys.length,
      });
      keys.push(...page.items.map((m) => ({ id: m.minionId, status: m.keyStatus })));
      skip = 0;
      if (keys.length >= q.limit) break;
    }
    return {
      total: states.reduce((sum, s) => sum + count(s), 0),
      keys,
      counts: {
        accepted: count('accepted'),
        pending: count('pending'),
        rejected: count('rejected'),
        denied: count('denied'),
      },
      refreshed_at: refreshed.keys,
    };
  }

  /**
   * Accepts, rejects or deletes one key on the master. Accept and reject move a key from any
   * other state (Salt's `include_*` flags); `not_found` when Salt has no such key to move.
   * Delete is idempotent.
   */
  async act(action: KeyAction, keyId: string): Promise<void> {
    const kwargs: Record<string, unknown> = { match: keyId };
    if (action === 'accept') Object.assign(kwargs, { include_rejected: true, include_denied: true });
    if (action === 'reject') Object.assign(kwargs, { include_accepted: true, include_denied: true });
    const after = await this.#runtime.withSalt((salt) =>
      salt.wheelCall(`key.${action}`, kwargs, { schema: KeyChange }),
    );
    // Stamped as a keys refresh: a keys poll whose list was fetched before now leaves it alone.
    const keysRefreshedAt = this.#now().toISOString();
    if (action === 'delete') {
      this.#runtime.keyDeletes.record(keyId, new Date(keysRefreshedAt));
      await this.#store.minions.reconcile({ delete: [keyId] });
    } else {
      const keyStatus: KeyStatus = action === 'accept' ? 'accepted' : 'rejected';
      const bucket = action === 'accept' ? after.minions : after.minions_rejected;
      const known = await this.#store.minions.get(keyId);
      if (!bucket?.includes(keyId)) {
        // Salt moved nothing: fine if the key already is in that state, else there is no such key.
        if (known?.keyStatus === keyStatus) return;
        throw new HaliteError('not_found', `No key ${keyId} to ${action}`, { details: { key_id: keyId } });
      }
      await this.#store.minions.reconcile(
        known
          ? {
              update: [
                {
                  minionId: keyId,
                  keyStatus,
                  keysRefreshedAt,
                  ...(action === 'reject' ? { isOnline: false } : {}),
                },
              ],
            }
          : { insert: [{ minionId: keyId, keyStatus, keysRefreshedAt }] },
      );
    }
    // Presence and grains follow an accepted key; ask for them now rather than in minutes.
    this.#runtime.triggerPollers(['minions.keys', 'minions.presence', 'minions.grains']);
  }
}
