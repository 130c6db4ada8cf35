// A deterministic, realistic fleet for benchmarks: 50,000 minions whose grains look like what
// `cache.grains` returns (≈5 KB of JSON each; the generator lives with the salt-api simulator).
import { createHash } from 'node:crypto';
import type { MinionInsert, MinionPatch } from '../packages/core/src/index.ts';
import { makeGrains, prng } from '../packages/testkit/src/sim/grains.ts';

export { makeGrains, prng };

/** Stable hash of a minion's grains-derived content (the ingest code's job, done here for the bench). */
export function contentHash(grains: unknown): string {
  return createHash('sha256').update(JSON.stringify(grains)).digest('hex');
}

/** The denormalised columns and hash for a grains object. */
export function minionRow(minionId: string, grains: Record<string, unknown>, at: string): MinionInsert {
  const ipv4 = grains.ipv4 as string[];
  return {
    minionId,
    keyStatus: 'accepted',
    isOnline: true,
    grains: grains as MinionInsert['grains'],
    os: grains.os as string,
    osFamily: grains.os_family as string,
    osrelease: grains.osrelease as string,
    kernel: grains.kernel as string,
    kernelrelease: grains.kernelrelease as string,
    virtual: grains.virtual as string,
    numCpus: grains.num_cpus as number,
    memTotal: grains.mem_total as number,
    saltversion: grains.saltversion as string,
    primaryIp: ipv4[1] ?? null,
    contentHash: contentHash(grains),
    keysRefreshedAt: at,
    presenceRefreshedAt: at,
    grainsRefreshedAt: at,
    lastSeenAt: at,
  };
}

/** `n` minions, deterministic for a seed. */
export function makeFleet(n: number, seed = 42): MinionInsert[] {
  const rand = prng(seed);
  const at = '2025-06-01T00:00:00.000Z';
  return Array.from({ length: n }, (_, i) => {
    const grains = makeGrains(i, rand);
    return minionRow(grains.id as string, grains, at);
  });
}

/**
 * The next grains refresh of a fleet: `changed` share of minions got new grains (a Salt upgrade,
 * more memory), `vanished` share lost their key. Returned as the change set ingest would write.
 */
export function nextRefresh(
  fleet: readonly MinionInsert[],
  changed: number,
  vanished: number,
  seed = 7,
): { update: MinionPatch[]; delete: string[] } {
  const rand = prng(seed);
  const at = '2025-06-01T00:05:00.000Z';
  const order = fleet.map((_, i) => i).sort(() => rand() - 0.5);
  const nChanged = Math.round(fleet.length * changed);
  const nVanished = Math.round(fleet.length * vanished);
  const update = order.slice(0, nChanged).map((i) => {
    const m = fleet[i] as MinionInsert;
    const grains = {
      ...(m.grains as Record<string, unknown>),
      saltversion: '3008.5',
      mem_total: 262144,
      pid: 4242,
    };
    const { minionId: _, keyStatus: __, ...fields } = minionRow(m.minionId, grains, at);
    return { minionId: m.minionId, ...fields };
  });
  const deleted = order.slice(nChanged, nChanged + nVanished).map((i) => (fleet[i] as MinionInsert).minionId);
  return { update, delete: deleted };
}
