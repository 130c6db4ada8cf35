import type { IngestContext } from '../runtime/ingest-context.js';
import { GrainsMap, KeyLists } from '../salt/schemas.js';
import type { MinionDigest, MinionPatch, ReconcileResult } from '../store/minions.js';
import type { Store } from '../store/store.js';
import type { JsonObject } from '../store/types.js';
import { splitCacheGrains } from './grains-scan.js';
import { reconcileGrains, reconcileKeys, reconcilePresence, reconcileRawGrains } from './reconcile.js';

/** Every stored digest by id, read page by page (ids, key status, presence, hash: never grains). */
export async function loadDigests(store: Store): Promise<Map<string, MinionDigest>> {
  const digests = new Map<string, MinionDigest>();
  for await (const d of store.minions.iterateHashes()) digests.set(d.minionId, d);
  return digests;
}

/** Keys pass: `wheel key.list_all` → new, changed and vanished keys in one reconcile. */
export async function ingestKeys(ctx: IngestContext): Promise<ReconcileResult> {
  // A key action that lands while this list is in flight is newer than it: the Store keeps the
  // action's write (see `fetchedAt`).
  const fetchedAt = ctx.now().toISOString();
  const keys = await ctx.salt.wheelCall('key.list_all', {}, { schema: KeyLists, signal: ctx.signal });
  const changes = reconcileKeys(keys, await loadDigests(ctx.store), ctx.now().toISOString());
  const deleted = ctx.keyDeletes?.since(fetchedAt);
  if (deleted?.size) changes.insert = changes.insert.filter((m) => !deleted.has(m.minionId));
  const result = await ctx.store.minions.reconcile({ ...changes, fetchedAt });
  ctx.logger.debug('minion keys ingested', { ...result });
  return result;
}

/** Presence pass: `runner manage.present` → online flags of accepted minions. */
export async function ingestPresence(ctx: IngestContext): Promise<ReconcileResult> {
  const present = await ctx.salt.listConnectedMinions({ signal: ctx.signal });
  const changes = reconcilePresence(present, await loadDigests(ctx.store), ctx.now().toISOString());
  const result = await ctx.store.minions.reconcile(changes);
  ctx.logger.debug('minion presence ingested', { ...result });
  return result;
}

/**
 * Grains pass: `runner cache.grains` for the accepted minions, `chunkSize` ids per call (so one
 * response stays bounded), writing only minions whose grains changed: their digest
 * (`rawGrainsHash` of the grains' JSON text as salt-api sent it) differs from the stored one.
 * Only the changed minions' grains are parsed. Changes are written once `chunkSize` of them are
 * pending (a steady cycle changes few minions, so one transaction per call would be mostly
 * commits); a change that is never written, because the pass failed or was aborted, is found
 * again by the next pass, since its digest is stored with it.
 */
export async function ingestGrains(
  ctx: IngestContext,
  options: { chunkSize: number },
): Promise<ReconcileResult> {
  const digests = await loadDigests(ctx.store);
  const accepted = [...digests.values()].filter((d) => d.keyStatus === 'accepted').map((d) => d.minionId);
  const total: ReconcileResult = { inserted: 0, updated: 0, deleted: 0 };
  let pending: MinionPatch[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const result = await ctx.store.minions.reconcile({
      insert: [],
      update: pending,
      delete: [],
      refreshed: {},
    });
    total.updated += result.updated;
    pending = [];
  };
  for (let i = 0; i < accepted.length; i += options.chunkSize) {
    if (ctx.signal.aborted) return total;
    const chunk = accepted.slice(i, i + options.chunkSize);
    const answer = await ctx.salt.runnerCallText(
      'cache.grains',
      { tgt: chunk, tgt_type: 'list' },
      { signal: ctx.signal },
    );
    const now = ctx.now().toISOString();
    // Hash each minion's grains as the bytes they arrived in and parse only those that changed;
    // any other shape (or a changed text that is not an object) is read the ordinary way, which
    // throws the same SaltAPIError `runnerCall` would.
    const raw = splitCacheGrains(answer.body);
    let changes = raw && reconcileRawGrains(raw, digests, now);
    if (!changes) {
      ctx.logger.debug('cache.grains answer not split by minion; reading it whole', {
        minions: chunk.length,
      });
      changes = reconcileGrains(answer.parse(GrainsMap) as Record<string, JsonObject>, digests, now);
    }
    for (const patch of changes.update) pending.push(patch);
    if (pending.length >= options.chunkSize) await flush();
  }
  await flush();
  await ctx.store.minions.markRefreshed('grains', ctx.now());
  ctx.logger.debug('minion grains ingested', { minions: accepted.length, ...total });
  return total;
}
