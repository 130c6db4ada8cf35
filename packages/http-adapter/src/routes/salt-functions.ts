import type { Halite, SaltAPIClient } from '@halite/core';
import { z } from 'zod';
import { haliteRoute, NoQuery } from './define.js';

/** Body of `GET /api/salt/functions`. */
export const SaltFunctionList = z.object({
  /** Every execution function (`module.function`), sorted. */
  functions: z.array(z.string()),
  /** The minion that was asked (`sys.list_functions`), or null when none was online. */
  minion: z.string().nullable(),
  /** When the list was fetched from Salt (it is cached for an hour). */
  fetched_at: z.string().nullable(),
});
/** Body of `GET /api/salt/functions`. */
export type SaltFunctionList = z.infer<typeof SaltFunctionList>;

/** How long a fetched list is served before Salt is asked again. */
export const SALT_FUNCTIONS_TTL_MS = 60 * 60 * 1000;

interface Cached {
  at: number;
  list: Promise<SaltFunctionList>;
}

// One cache entry per salt-api client: a settings change builds a new client, so a new master
// (or new credentials) is asked afresh. Concurrent callers share one Salt call.
const cache = new WeakMap<SaltAPIClient, Cached>();

const FunctionNames = z.array(z.string().max(256)).max(20_000);

async function fetchFunctions(app: Halite, salt: SaltAPIClient): Promise<SaltFunctionList> {
  const online = await app.store.minions.list({ status: ['online'], limit: 1 });
  const minion = online.items[0]?.minionId;
  if (!minion) return { functions: [], minion: null, fetched_at: null };
  const answer = await salt.localCall({
    tgt: [minion],
    tgtType: 'list',
    fun: 'sys.list_functions',
    timeout: 15,
  });
  const parsed = FunctionNames.safeParse(answer[minion]);
  // A minion that did not answer gives a string: no list, and nothing worth caching.
  if (!parsed.success) return { functions: [], minion, fetched_at: null };
  return {
    functions: [...new Set(parsed.data)].sort(),
    minion,
    fetched_at: new Date().toISOString(),
  };
}

/** Salt's execution functions, for the run form's autocomplete. */
export const saltFunctionRoutes = [
  haliteRoute({
    method: 'GET',
    path: '/api/salt/functions',
    permission: 'authenticated',
    summary: "Execution functions for autocomplete (one online minion's sys.list_functions, cached an hour)",
    tags: ['run'],
    query: NoQuery,
    response: SaltFunctionList,
    errors: [502, 503],
    handler: async ({ app }) => {
      const salt = app.runtime.saltOr503();
      const now = Date.now();
      const hit = cache.get(salt);
      if (hit && now - hit.at < SALT_FUNCTIONS_TTL_MS) return hit.list;
      const list = fetchFunctions(app, salt);
      const entry: Cached = { at: now, list };
      cache.set(salt, entry);
      // A failure or an empty answer is not kept: the next call asks again.
      list.then(
        (result) => {
          if (result.fetched_at === null && cache.get(salt) === entry) cache.delete(salt);
        },
        () => {
          if (cache.get(salt) === entry) cache.delete(salt);
        },
      );
      return list;
    },
  }),
];
