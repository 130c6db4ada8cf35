import type { JsonObject, Page, PageRequest, SortOrder, TimeInput } from './types.js';

/** The state of a minion's key on the master. */
export type KeyStatus = 'accepted' | 'pending' | 'rejected' | 'denied';

/**
 * What the console shows for a minion: `online`/`offline` for accepted keys (by presence),
 * else the key status.
 */
export type MinionStatus = 'online' | 'offline' | 'pending' | 'rejected' | 'denied';

/** The three Salt sources a minion snapshot is assembled from, each refreshed on its own. */
export type MinionSource = 'keys' | 'presence' | 'grains';

/**
 * The columns of a minion snapshot a writer may set. The denormalised columns (`os`, `numCpus`,
 * …) are what list endpoints filter and sort by; `grains` is the full JSON object.
 */
export interface MinionFields {
  /** Key status on the master. */
  keyStatus: KeyStatus;
  /** Whether the minion answered the last presence check. */
  isOnline: boolean;
  /** The minion's grains as a JSON object, or `null` before the first grains refresh. */
  grains: JsonObject | null;
  /** Grain `os`, e.g. `Debian`. */
  os: string | null;
  /** Grain `os_family`, e.g. `Debian`, `RedHat`, `Suse`, `Windows`. */
  osFamily: string | null;
  /** Grain `osrelease`, e.g. `12.5`. */
  osrelease: string | null;
  /** Grain `kernel`, e.g. `Linux`. */
  kernel: string | null;
  /** Grain `kernelrelease`. */
  kernelrelease: string | null;
  /** Grain `virtual`, e.g. `physical`, `kvm`. */
  virtual: string | null;
  /** Grain `num_cpus`. */
  numCpus: number | null;
  /** Grain `mem_total`, in MiB. */
  memTotal: number | null;
  /** Grain `saltversion`. */
  saltversion: string | null;
  /** The minion's primary IPv4 address. */
  primaryIp: string | null;
  /**
   * A hash of the grains-derived content, computed by the ingest code, so a reconcile compares
   * hashes (see {@link MinionStore.hashes}) instead of loading grains.
   */
  contentHash: string | null;
  /** When the keys source last wrote this row. */
  keysRefreshedAt: TimeInput | null;
  /** When the presence source last wrote this row. */
  presenceRefreshedAt: TimeInput | null;
  /** When the grains source last wrote this row. */
  grainsRefreshedAt: TimeInput | null;
  /** When the minion was last seen alive (presence or an event). */
  lastSeenAt: TimeInput | null;
}

/**
 * A full minion row to insert (or replace). Only `minionId` and `keyStatus` are required; the
 * rest default to `false`/`null`. `firstSeenAt` defaults to now and is kept when the row exists.
 */
export interface MinionInsert extends Partial<MinionFields> {
  /** The minion id (the key's name), 1–255 characters. */
  minionId: string;
  /** Key status on the master. */
  keyStatus: KeyStatus;
  /** When the minion was first seen. Default: now. Ignored when the row already exists. */
  firstSeenAt?: TimeInput;
}

/**
 * A change to an existing minion row: only the fields present are written (a present
 * `undefined` counts as absent; `null` clears). A patch for a row that does not exist is
 * skipped, so a presence refresh never resurrects a minion whose key was deleted meanwhile.
 */
export interface MinionPatch extends Partial<MinionFields> {
  /** The minion to change. */
  minionId: string;
}

/**
 * A prepared change set for {@link MinionStore.reconcile}, computed by the ingest code.
 * Keys are de-duplicated: the last insert of an id wins, patches of one id are merged in order,
 * and an id listed in `delete` is neither inserted nor patched.
 */
export interface MinionChangeSet {
  /** Rows to insert; an existing row with the same id is replaced (except `firstSeenAt`). */
  insert?: readonly MinionInsert[];
  /** Patches to existing rows. */
  update?: readonly MinionPatch[];
  /** Ids of rows to delete. */
  delete?: readonly string[];
  /** Record, in the same transaction, that these sources finished a refresh at these times. */
  refreshed?: Partial<Record<MinionSource, TimeInput>>;
  /**
   * When the data behind this change set was fetched (before the Salt call). An existing row
   * whose `keysRefreshedAt` is later, written by a key action while the fetch was in flight,
   * is left as it is: no insert replaces it, no patch changes it, no delete removes it. Without
   * it every change applies.
   */
  fetchedAt?: TimeInput;
}

/** What a reconcile wrote. */
export interface ReconcileResult {
  /** Rows that did not exist before. */
  inserted: number;
  /** Existing rows written (replaced by an insert, or patched). */
  updated: number;
  /** Rows deleted. */
  deleted: number;
}

/** A minion row without its grains: what list endpoints return. Times are UTC ISO strings. */
export interface MinionSummary {
  /** The minion id. */
  minionId: string;
  /** `online`/`offline` for accepted keys, else the key status. */
  status: MinionStatus;
  /** Key status on the master. */
  keyStatus: KeyStatus;
  /** Whether the minion answered the last presence check. */
  isOnline: boolean;
  /** Grain `os`. */
  os: string | null;
  /** Grain `os_family`. */
  osFamily: string | null;
  /** Grain `osrelease`. */
  osrelease: string | null;
  /** Grain `kernel`. */
  kernel: string | null;
  /** Grain `kernelrelease`. */
  kernelrelease: string | null;
  /** Grain `virtual`. */
  virtual: string | null;
  /** Grain `num_cpus`. */
  numCpus: number | null;
  /** Grain `mem_total` in MiB. */
  memTotal: number | null;
  /** Grain `saltversion`. */
  saltversion: string | null;
  /** Primary IPv4 address. */
  primaryIp: string | null;
  /** The ingest code's content hash. */
  contentHash: string | null;
  /** When the keys source last wrote this row. */
  keysRefreshedAt: string | null;
  /** When the presence source last wrote this row. */
  presenceRefreshedAt: string | null;
  /** When the grains source last wrote this row. */
  grainsRefreshedAt: string | null;
  /** When the minion was first seen. */
  firstSeenAt: string;
  /** When the minion was last seen alive. */
  lastSeenAt: string | null;
  /** When the row was last written. */
  updatedAt: string;
}

/** A full minion row, with its grains. */
export interface MinionSnapshot extends MinionSummary {
  /** The grains object, or `null` before the first grains refresh. */
  grains: JsonObject | null;
}

/** The cheap columns a reconcile diff needs: never the grains. */
export interface MinionDigest {
  /** The minion id. */
  minionId: string;
  /** Key status on the master. */
  keyStatus: KeyStatus;
  /** Whether the minion answered the last presence check. */
  isOnline: boolean;
  /** The stored content hash. */
  contentHash: string | null;
}

/** Filters of a minion list; all given filters must match. */
export interface MinionFilter {
  /** Console status (online, offline, pending, rejected, denied), any of. */
  status?: readonly MinionStatus[];
  /** Key status, any of. */
  keyStatus?: readonly KeyStatus[];
  /** `os_family`, any of (exact). */
  osFamily?: readonly string[];
  /** `os`, any of (exact). */
  os?: readonly string[];
  /** `saltversion`, any of (exact). */
  saltversion?: readonly string[];
  /** Substring of the minion id or primary IP (ASCII case-insensitive). It scans every row. */
  search?: string;
  /**
   * Minion ids that start with this, case-sensitively (as Salt's glob `lb-49*` matches): a range
   * of the primary key, so it stays fast at any fleet size.
   */
  idPrefix?: string;
  /** Only these ids (at most 1000). */
  ids?: readonly string[];
  /**
   * Grain targets in Salt's `G@` syntax (`os_family:Debian`, `ipv4:10.0.0.*`), all of which
   * must match: at most 8, each at most 512 characters and 15 `:`. `:` nests keys (a value may
   * hold `:` too), `*` and `?` glob the value case-insensitively, a list matches when any element
   * does, a dict when it has the key named.
   */
  grains?: readonly string[];
}

/** Characters a key path cannot carry into SQLite's JSON paths. */
const UNNAMEABLE = /["\\]/;

/** Bounds of grain targets: per filter, per expression's length, per expression's `:` parts. */
export const GRAIN_TARGET_LIMITS = { count: 8, length: 512, parts: 16 } as const;

/** One way to read a grain target: a key path and the glob its value must match. */
export interface GrainTargetReading {
  /** Keys from the top of the grains, e.g. `['ip_interfaces', 'eth0']`. */
  path: string[];
  /** The glob (`*`, `?`) the value must match, case-insensitively. */
  pattern: string;
}

/**
 * Read a grain target the way Salt's grain matcher (`subdict_match`) does: `:` separates nested
 * keys, and since a value may hold `:` too, every split is a candidate, deepest key path first.
 * `a:b:c` matches `{a: {b: 'c'}}` and `{a: 'b:c'}`. Throws a `RangeError` saying what is wrong
 * when `expression` is not a grain target (no `:`, empty or `*` top key, over the limits).
 *
 * @example
 * parseGrainTarget('os_family:Debian') // [{ path: ['os_family'], pattern: 'Debian' }]
 */
export function parseGrainTarget(expression: string): GrainTargetReading[] {
  if (expression.length > GRAIN_TARGET_LIMITS.length)
    throw new RangeError(`a grain target is at most ${GRAIN_TARGET_LIMITS.length} characters`);
  const parts = expression.split(':');
  if (parts.length < 2) throw new RangeError('a grain target is key:value (e.g. os_family:Debian)');
  if (parts.length > GRAIN_TARGET_LIMITS.parts)
    throw new RangeError(`a grain target has at most ${GRAIN_TARGET_LIMITS.parts - 1} ':'`);
  if (!parts[0]) throw new RangeError('a grain target starts with a grain name');
  if (parts[0] === '*') throw new RangeError("'*' as a grain name is not supported");
  if (UNNAMEABLE.test(parts[0])) throw new RangeError('a grain name may not hold quotes or backslashes');
  const readings: GrainTargetReading[] = [];
  for (let at = parts.length - 1; at >= 1; at--) {
    const path = parts.slice(0, at);
    // A key path with an empty key names no grain, nor (here) one with quotes: that split cannot match.
    if (path.some((key) => key === '' || UNNAMEABLE.test(key))) continue;
    readings.push({ path, pattern: parts.slice(at).join(':') });
  }
  return readings;
}

/** Columns a minion list can be sorted by (each is indexed). */
export type MinionSortField = 'minionId' | 'os' | 'osFamily' | 'saltversion' | 'primaryIp' | 'lastSeenAt';

/** A paged, filtered, sorted minion list request. Ties are broken by minion id. */
export interface MinionListQuery extends MinionFilter, PageRequest {
  /** Sort column. Default `minionId`. NULLs sort as the smallest value. */
  sort?: MinionSortField;
  /** Sort order. Default `asc`. */
  order?: SortOrder;
}

/** Columns {@link MinionStore.countBy} can group by. */
export type MinionFacet = 'status' | 'keyStatus' | 'osFamily' | 'os' | 'saltversion';

/** One group of {@link MinionStore.countBy}. */
export interface FacetCount {
  /** The column value (`null` for rows where it is unknown). */
  value: string | null;
  /** Rows with that value. */
  count: number;
}

/** The last time each minion source finished a refresh, as UTC ISO strings. */
export type MinionRefreshTimes = Record<MinionSource, string | null>;

/** Minion snapshots: written by the three minion sources, read by every minion view. */
export interface MinionStore {
  /**
   * Apply a prepared change set in one transaction: inserts, then patches, then deletes, in
   * chunks under the database's bound-parameter limit. All or nothing: on any failure the table
   * is left as it was.
   *
   * @example
   * ```ts
   * await store.minions.reconcile({
   *   insert: [{ minionId: 'web-01', keyStatus: 'pending' }],
   *   update: [{ minionId: 'db-01', isOnline: false, presenceRefreshedAt: now }],
   *   delete: ['old-01'],
   *   refreshed: { presence: now },
   * });
   * ```
   */
  reconcile(changes: MinionChangeSet): Promise<ReconcileResult>;
  /** One minion with its grains, or `undefined`. */
  get(minionId: string): Promise<MinionSnapshot | undefined>;
  /** Several minions with their grains (at most 1000 ids), sorted by id; unknown ids are left out. */
  getMany(minionIds: readonly string[]): Promise<MinionSnapshot[]>;
  /** A page of minions without grains. */
  list(query?: MinionListQuery): Promise<Page<MinionSummary>>;
  /** How many minions match the filter. */
  count(filter?: MinionFilter): Promise<number>;
  /** Row counts grouped by one column, largest first (ties by value). */
  countBy(facet: MinionFacet, filter?: MinionFilter): Promise<FacetCount[]>;
  /**
   * One page of digests (id, key status, presence, content hash), ordered by id, starting after
   * the id `after`. `limit` is 1–10,000 (default 5000). An empty page means the end.
   */
  hashes(page?: { after?: string; limit?: number }): Promise<MinionDigest[]>;
  /** Every digest, fetched page by page so memory stays bounded. */
  iterateHashes(options?: { pageSize?: number }): AsyncIterable<MinionDigest>;
  /** Record that a source finished a refresh (also possible inside {@link reconcile}). */
  markRefreshed(source: MinionSource, at: TimeInput): Promise<void>;
  /** When each source last finished a refresh. */
  refreshTimes(): Promise<MinionRefreshTimes>;
}
