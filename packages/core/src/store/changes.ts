import type { JobStore } from './jobs.js';
import type { MinionStore } from './minions.js';
import type { StoreFeatures } from './store.js';

/** The Store features whose writes are counted: the ones reads are cached for. */
export type ChangeFeature = 'minions' | 'jobs';

/**
 * A counter per feature that moves after every write through this Store object commits. Read
 * caches tag what they read with it: an entry is good only while the counter has not moved.
 * It sees the writes of this process only; another process writing the same database (a second
 * Halite on PostgreSQL, a script) is not seen, which is why cached reads also expire.
 */
export interface StoreChanges {
  /** The feature's counter: equal values mean no write through this Store committed in between. */
  version(feature: ChangeFeature): number;
}

/** The methods of each counted feature that only read; any other method counts as a write. */
const READS = {
  minions: new Set<keyof MinionStore>([
    'get',
    'getMany',
    'list',
    'count',
    'countBy',
    'hashes',
    'iterateHashes',
    'refreshTimes',
  ]),
  jobs: new Set<keyof JobStore>([
    'get',
    'countByHour',
    'list',
    'returns',
    'returnsForMinion',
    'lastPolledAt',
  ]),
} satisfies Record<ChangeFeature, ReadonlySet<string>>;

const COUNTED = Object.keys(READS) as ChangeFeature[];

/** The Store's {@link StoreChanges}, and what moves it. */
export class ChangeClock implements StoreChanges {
  readonly #versions: Record<ChangeFeature, number> = { minions: 0, jobs: 0 };

  version(feature: ChangeFeature): number {
    return this.#versions[feature];
  }

  bump(feature: ChangeFeature): void {
    this.#versions[feature] += 1;
  }

  /**
   * `features` with every write method of a counted feature wrapped so the clock moves when the
   * call settles (resolved or not: a failed write may have written part of a batch elsewhere
   * than in one transaction, and moving the clock costs only a cache miss). In a transaction,
   * `touched` collects the features written so they move again at commit: a read between the
   * write and the commit saw the old rows and must not outlive the commit.
   */
  track(features: StoreFeatures, touched?: Set<ChangeFeature>): StoreFeatures {
    const tracked: StoreFeatures = { ...features };
    for (const feature of COUNTED) {
      const reads: ReadonlySet<string> = READS[feature];
      const source = features[feature] as unknown as Record<string, unknown>;
      const wrapped: Record<string, unknown> = { ...source };
      for (const [name, method] of Object.entries(source)) {
        if (typeof method !== 'function' || reads.has(name)) continue;
        wrapped[name] = (...args: unknown[]) => {
          touched?.add(feature);
          const done = () => this.bump(feature);
          let result: unknown;
          try {
            result = (method as (...a: unknown[]) => unknown).apply(source, args);
          } catch (error) {
            done();
            throw error;
          }
          if (result instanceof Promise) return result.finally(done);
          done();
          return result;
        };
      }
      (tracked as unknown as Record<string, unknown>)[feature] = wrapped;
    }
    return tracked;
  }
}
