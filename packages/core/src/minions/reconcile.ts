import { createHash } from 'node:crypto';
import type { KeyStatus, MinionDigest, MinionFields, MinionInsert, MinionPatch } from '../store/minions.js';
import type { JsonObject } from '../store/types.js';
import { isEmptyJsonObject, type RawGrains } from './grains-scan.js';

/** The key lists of `wheel key.list_all`, by bucket. */
export interface KeyBuckets {
  /** Accepted keys. */
  minions: readonly string[];
  /** Pending keys. */
  minions_pre: readonly string[];
  /** Rejected keys. */
  minions_rejected: readonly string[];
  /** Denied keys. */
  minions_denied: readonly string[];
}

const BUCKET_STATUS: ReadonlyArray<[keyof KeyBuckets, KeyStatus]> = [
  ['minions', 'accepted'],
  ['minions_pre', 'pending'],
  ['minions_rejected', 'rejected'],
  ['minions_denied', 'denied'],
];

/** A change set for `store.minions.reconcile`, with every list present. */
export interface MinionChanges {
  /** New minions. */
  insert: MinionInsert[];
  /** Changed minions: only the fields that changed. */
  update: MinionPatch[];
  /** Minions whose key vanished. */
  delete: string[];
  /** The sources this pass refreshed, and when. */
  refreshed: { keys?: string; presence?: string; grains?: string };
}

/** Most characters of a minion id the Store keeps; longer ids are skipped, not truncated. */
const MAX_ID = 255;

/**
 * The keys pass: fresh key lists against the stored digests → new minions inserted (offline),
 * changed key status patched, vanished keys deleted. Pure; only what changed is in the result.
 * A minion whose key is no longer accepted is also marked offline.
 */
export function reconcileKeys(
  fresh: KeyBuckets,
  stored: ReadonlyMap<string, MinionDigest>,
  now: string,
): MinionChanges {
  const seen = new Map<string, KeyStatus>();
  // A key in two buckets (mid-move on the master) counts once, in the last bucket listed.
  for (const [bucket, status] of BUCKET_STATUS) {
    for (const id of fresh[bucket]) if (id.length > 0 && id.length <= MAX_ID) seen.set(id, status);
  }
  const insert: MinionInsert[] = [];
  const update: MinionPatch[] = [];
  for (const [id, keyStatus] of seen) {
    const row = stored.get(id);
    if (!row) insert.push({ minionId: id, keyStatus, isOnline: false, keysRefreshedAt: now });
    else if (row.keyStatus !== keyStatus) {
      update.push({
        minionId: id,
        keyStatus,
        keysRefreshedAt: now,
        ...(keyStatus !== 'accepted' && row.isOnline ? { isOnline: false } : {}),
      });
    }
  }
  const del: string[] = [];
  for (const id of stored.keys()) if (!seen.has(id)) del.push(id);
  return { insert, update, delete: del, refreshed: { keys: now } };
}

/**
 * The presence pass: the ids `manage.present` reports against the stored digests → only
 * accepted minions whose online state flipped are patched (a minion coming online gets
 * `lastSeenAt`). Ids that are not stored are ignored: presence never creates a minion.
 */
export function reconcilePresence(
  present: Iterable<string>,
  stored: ReadonlyMap<string, MinionDigest>,
  now: string,
): MinionChanges {
  const online = new Set(present);
  const update: MinionPatch[] = [];
  for (const row of stored.values()) {
    const isOnline = row.keyStatus === 'accepted' && online.has(row.minionId);
    if (isOnline !== row.isOnline) {
      update.push({
        minionId: row.minionId,
        isOnline,
        presenceRefreshedAt: now,
        ...(isOnline ? { lastSeenAt: now } : {}),
      });
    }
  }
  return { insert: [], update, delete: [], refreshed: { presence: now } };
}

/** The columns a minion list filters and sorts by, read from its grains. */
export type DenormalisedGrains = Pick<
  MinionFields,
  | 'os'
  | 'osFamily'
  | 'osrelease'
  | 'kernel'
  | 'kernelrelease'
  | 'virtual'
  | 'numCpus'
  | 'memTotal'
  | 'saltversion'
  | 'primaryIp'
>;

/** Reads the denormalised columns from a grains object, tolerating missing or odd values. */
export function denormaliseGrains(grains: JsonObject): DenormalisedGrains {
  return {
    os: text(grains.os),
    osFamily: text(grains.os_family),
    osrelease: text(grains.osrelease),
    kernel: text(grains.kernel),
    kernelrelease: text(grains.kernelrelease),
    virtual: text(grains.virtual),
    numCpus: int(grains.num_cpus),
    memTotal: int(grains.mem_total),
    saltversion: text(grains.saltversion),
    primaryIp: primaryIpv4(grains),
  };
}

/**
 * The address a person would call the minion's IP: the first non-loopback address of
 * `fqdn_ip4` (what its name resolves to), else of `ipv4` preferring non-link-local, else null.
 */
export function primaryIpv4(grains: JsonObject): string | null {
  const usable = (ip: string) => !ip.startsWith('127.') && ip !== '0.0.0.0';
  const fqdn = strings(grains.fqdn_ip4).filter(usable);
  if (fqdn[0]) return fqdn[0];
  const all = strings(grains.ipv4).filter(usable);
  return all.find((ip) => !ip.startsWith('169.254.')) ?? all[0] ?? null;
}

/**
 * The digest stored as a minion's `contentHash`: SHA-1 (base64url) of a JSON text of its
 * grains. The grains pass hashes the text exactly as salt-api sent it ({@link rawGrainsHash});
 * this re-serialises a parsed object, for answers read the ordinary way. Salt keeps a minion's
 * grains in a stable key order, so no canonical form is needed; two texts of the same grains
 * (spacing, escapes, key order) only cost one extra write, never a missed change.
 */
export function grainsHash(grains: JsonObject): string {
  return rawGrainsHash(JSON.stringify(grains));
}

/**
 * The digest of a grains object's JSON text as it arrived (see {@link grainsHash}). Earlier
 * versions hashed `JSON.stringify` of the parsed grains instead; salt-api writes `", "` and
 * `": "` between items, so after an upgrade the first grains pass finds every digest changed
 * and rewrites each row once, then only what changed.
 */
export function rawGrainsHash(json: string): string {
  return createHash('sha1').update(json).digest('base64url');
}

/**
 * The grains pass for one chunk: minions whose grains hash changed get their grains and
 * denormalised columns patched. Minions with empty grains (`{}`: nothing in the master's cache
 * yet) and ids that are not stored are skipped.
 */
export function reconcileGrains(
  fresh: Readonly<Record<string, JsonObject>>,
  stored: ReadonlyMap<string, MinionDigest>,
  now: string,
): MinionChanges {
  const update: MinionPatch[] = [];
  for (const [id, grains] of Object.entries(fresh)) {
    const row = stored.get(id);
    if (!row || Object.keys(grains).length === 0) continue;
    const contentHash = grainsHash(grains);
    if (contentHash === row.contentHash) continue;
    update.push({ minionId: id, grains, contentHash, grainsRefreshedAt: now, ...denormaliseGrains(grains) });
  }
  return { insert: [], update, delete: [], refreshed: {} };
}

/**
 * {@link reconcileGrains} over grains as they arrived (`splitCacheGrains`): each text is
 * hashed as is, and only those whose digest changed are parsed. `undefined` when a changed text
 * is not a JSON object: the caller then reads the answer the ordinary way, which reports it.
 */
export function reconcileRawGrains(
  fresh: Iterable<RawGrains>,
  stored: ReadonlyMap<string, MinionDigest>,
  now: string,
): MinionChanges | undefined {
  const update: MinionPatch[] = [];
  for (const { id, json } of fresh) {
    const row = stored.get(id);
    if (!row || isEmptyJsonObject(json)) continue;
    const contentHash = rawGrainsHash(json);
    if (contentHash === row.contentHash) continue;
    let grains: unknown;
    try {
      grains = JSON.parse(json);
    } catch {
      return undefined;
    }
    if (grains === null || typeof grains !== 'object' || Array.isArray(grains)) return undefined;
    const object = grains as JsonObject;
    update.push({
      // The stored id, not the scanned one: a slice of the answer's text would keep all of it
      // alive for as long as the patch waits to be written.
      minionId: row.minionId,
      grains: object,
      contentHash,
      grainsRefreshedAt: now,
      ...denormaliseGrains(object),
    });
  }
  return { insert: [], update, delete: [], refreshed: {} };
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.length > 0 ? value.slice(0, 255) : null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function int(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
