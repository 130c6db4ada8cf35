import { z } from 'zod';
import { csv, PageQuery } from '../query-params.js';
import { GRAIN_TARGET_LIMITS, parseGrainTarget } from '../store/minions.js';

/**
 * Grain targets in Salt's `G@` syntax (`os_family:Debian`, `ipv4:10.0.0.*`), the key repeated for
 * several; all must match. Not comma-split: a value may hold commas.
 */
const GrainTargets = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .pipe(
    z
      .array(
        z
          .string()
          .max(GRAIN_TARGET_LIMITS.length)
          .superRefine((expression, ctx) => {
            try {
              parseGrainTarget(expression);
            } catch (error) {
              ctx.addIssue({ code: 'custom', message: (error as Error).message });
            }
          }),
      )
      .max(GRAIN_TARGET_LIMITS.count),
  );

/** The status the console shows: online/offline for accepted keys, else the key state. */
export const MinionStatus = z.enum(['online', 'offline', 'pending', 'rejected', 'denied']);

/** Query of `GET /api/minions`. */
export const MinionsQuery = PageQuery.extend({
  /** Substring of the minion id or its IP (case-insensitive). */
  search: z.string().max(255).optional(),
  /**
   * Minion ids that start with this, case-sensitively, as Salt's glob `web-0*` matches. Unlike
   * `search` it reads one range of the primary key, so it stays fast at any fleet size.
   */
  id_prefix: z.string().min(1).max(255).optional(),
  /** Any of these statuses. */
  status: csv(MinionStatus).optional(),
  /** Any of these `os_family` values. */
  os_family: csv(z.string().max(64)).optional(),
  /** Any of these `os` values. */
  os: csv(z.string().max(64)).optional(),
  /** Any of these Salt versions. */
  saltversion: csv(z.string().max(64)).optional(),
  /**
   * Grain targets, Salt's `G@` syntax: `key:value`, nested keys joined by `:`, `*`/`?` globs on the
   * value (case-insensitive), a list grain matches when any element does. Repeat for several (all
   * must match).
   */
  grain: GrainTargets.optional(),
  sort: z.enum(['id', 'os', 'os_family', 'saltversion', 'ip', 'last_seen']).default('id'),
  order: z.enum(['asc', 'desc']).default('asc'),
}).strict();
/** Query of `GET /api/minions`. */
export type MinionsQuery = z.infer<typeof MinionsQuery>;

/** When each minion source was last refreshed, and whether the data is stale. */
export const Freshness = z.object({
  /** The latest of the three refresh times (what the reference product calls `last_refreshed_at`). */
  last_refreshed_at: z.string().nullable(),
  /** True when the keys or presence data is older than 10 minutes, or was never fetched. */
  is_stale: z.boolean(),
  /** Each source's last refresh. */
  refreshed: z.object({
    keys: z.string().nullable(),
    presence: z.string().nullable(),
    grains: z.string().nullable(),
  }),
});
/** Freshness of the minion data. */
export type Freshness = z.infer<typeof Freshness>;

/** One minion in a list (no grains). */
export const MinionItem = z.object({
  id: z.string(),
  status: MinionStatus,
  key_status: z.enum(['accepted', 'pending', 'rejected', 'denied']),
  ip: z.string().nullable(),
  os: z.string().nullable(),
  os_family: z.string().nullable(),
  osrelease: z.string().nullable(),
  kernel: z.string().nullable(),
  kernelrelease: z.string().nullable(),
  virtual: z.string().nullable(),
  num_cpus: z.number().nullable(),
  mem_total: z.number().nullable(),
  saltversion: z.string().nullable(),
  first_seen_at: z.string(),
  last_seen_at: z.string().nullable(),
  grains_refreshed_at: z.string().nullable(),
});
/** One minion in a list. */
export type MinionItem = z.infer<typeof MinionItem>;

/** `GET /api/minions`. */
export const MinionList = Freshness.extend({ total: z.number().int(), minions: z.array(MinionItem) });
/** `GET /api/minions`. */
export type MinionList = z.infer<typeof MinionList>;

/** `GET /api/minions/{minion_id}`: the minion with its grains. */
export const MinionDetail = MinionItem.extend(Freshness.shape).extend({
  grains: z.record(z.string(), z.unknown()).nullable(),
});
/** `GET /api/minions/{minion_id}`. */
export type MinionDetail = z.infer<typeof MinionDetail>;

/** Path of the minion routes. */
export const MinionIdParams = z.object({ minion_id: z.string().min(1).max(255) });

/** `GET /api/minions/stats`: counts for the overview page. */
export const MinionStats = Freshness.extend({
  total: z.number().int(),
  by_status: z.array(z.object({ value: z.string().nullable(), count: z.number().int() })),
  by_os_family: z.array(z.object({ value: z.string().nullable(), count: z.number().int() })),
  by_saltversion: z.array(z.object({ value: z.string().nullable(), count: z.number().int() })),
});
/** `GET /api/minions/stats`. */
export type MinionStats = z.infer<typeof MinionStats>;
