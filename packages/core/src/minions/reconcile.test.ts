import { describe, expect, it } from 'vitest';
import type { MinionDigest } from '../store/minions.js';
import {
  denormaliseGrains,
  grainsHash,
  primaryIpv4,
  rawGrainsHash,
  reconcileGrains,
  reconcileKeys,
  reconcilePresence,
  reconcileRawGrains,
} from './reconcile.js';

const NOW = '2026-01-01T00:00:00.000Z';
const digest = (minionId: string, over: Partial<MinionDigest> = {}): MinionDigest => ({
  minionId,
  keyStatus: 'accepted',
  isOnline: false,
  contentHash: null,
  ...over,
});
const stored = (...rows: MinionDigest[]) => new Map(rows.map((r) => [r.minionId, r]));
const buckets = (
  b: Partial<Record<'minions' | 'minions_pre' | 'minions_rejected' | 'minions_denied', string[]>>,
) => ({
  minions: [],
  minions_pre: [],
  minions_rejected: [],
  minions_denied: [],
  ...b,
});

describe('reconcileKeys', () => {
  it('inserts new keys, patches changed status, deletes vanished keys, and leaves the rest alone', () => {
    const result = reconcileKeys(
      buckets({ minions: ['m1', 'm2', 'new1'], minions_pre: ['p1'], minions_rejected: ['m3'] }),
      stored(
        digest('m1'),
        digest('m2', { isOnline: true }),
        digest('m3', { isOnline: true }),
        digest('gone'),
      ),
      NOW,
    );
    expect(result).toEqual({
      insert: [
        { minionId: 'new1', keyStatus: 'accepted', isOnline: false, keysRefreshedAt: NOW },
        { minionId: 'p1', keyStatus: 'pending', isOnline: false, keysRefreshedAt: NOW },
      ],
      update: [{ minionId: 'm3', keyStatus: 'rejected', keysRefreshedAt: NOW, isOnline: false }],
      delete: ['gone'],
      refreshed: { keys: NOW },
    });
  });

  it('writes nothing when nothing changed', () => {
    const result = reconcileKeys(
      buckets({ minions: ['m1'], minions_denied: ['d1'] }),
      stored(digest('m1'), digest('d1', { keyStatus: 'denied' })),
      NOW,
    );
    expect([result.insert.length, result.update.length, result.delete.length]).toEqual([0, 0, 0]);
  });

  it('skips empty and over-long ids instead of truncating them', () => {
    const result = reconcileKeys(buckets({ minions: ['', 'x'.repeat(256), 'ok'] }), stored(), NOW);
    expect(result.insert.map((r) => r.minionId)).toEqual(['ok']);
  });
});

describe('reconcilePresence', () => {
  it('patches only accepted minions whose online state flipped, and never creates one', () => {
    const result = reconcilePresence(
      ['m1', 'm2', 'p1', 'stranger'],
      stored(
        digest('m1'),
        digest('m2', { isOnline: true }),
        digest('m3', { isOnline: true }),
        digest('p1', { keyStatus: 'pending' }),
      ),
      NOW,
    );
    expect(result.update).toEqual([
      { minionId: 'm1', isOnline: true, presenceRefreshedAt: NOW, lastSeenAt: NOW },
      { minionId: 'm3', isOnline: false, presenceRefreshedAt: NOW },
    ]);
    expect(result.refreshed).toEqual({ presence: NOW });
  });
});

describe('grains', () => {
  const grains = {
    id: 'web1',
    os: 'Debian',
    os_family: 'Debian',
    osrelease: '12.5',
    kernel: 'Linux',
    kernelrelease: '6.1.0-18-amd64',
    virtual: 'kvm',
    num_cpus: 4,
    mem_total: 7951,
    saltversion: '3008.5',
    ipv4: ['127.0.0.1', '169.254.1.1', '10.0.0.5'],
    fqdn_ip4: [],
  };

  it('reads the denormalised columns', () => {
    expect(denormaliseGrains(grains)).toEqual({
      os: 'Debian',
      osFamily: 'Debian',
      osrelease: '12.5',
      kernel: 'Linux',
      kernelrelease: '6.1.0-18-amd64',
      virtual: 'kvm',
      numCpus: 4,
      memTotal: 7951,
      saltversion: '3008.5',
      primaryIp: '10.0.0.5',
    });
  });

  it('tolerates missing and odd values', () => {
    expect(denormaliseGrains({ os: '', num_cpus: '8', mem_total: 'lots', osrelease: 9 })).toMatchObject({
      os: null,
      numCpus: 8,
      memTotal: null,
      osrelease: '9',
      primaryIp: null,
    });
  });

  it('prefers what the name resolves to for the primary IP', () => {
    expect(primaryIpv4({ fqdn_ip4: ['192.168.1.9'], ipv4: ['10.0.0.5'] })).toBe('192.168.1.9');
    expect(primaryIpv4({ ipv4: ['127.0.0.1'] })).toBeNull();
    expect(primaryIpv4({ ipv4: ['127.0.0.1', '169.254.3.3'] })).toBe('169.254.3.3');
  });

  it('patches only minions whose grains changed, and skips empty caches and unknown ids', () => {
    const same = grainsHash(grains);
    const result = reconcileGrains(
      { web1: grains, web2: { ...grains, osrelease: '12.6' }, web3: {}, stranger: grains },
      stored(digest('web1', { contentHash: same }), digest('web2', { contentHash: same }), digest('web3')),
      NOW,
    );
    expect(result.update).toHaveLength(1);
    expect(result.update[0]).toMatchObject({ minionId: 'web2', osrelease: '12.6', grainsRefreshedAt: NOW });
    expect(result.update[0]?.contentHash).not.toBe(same);
  });

  it('patches, from grains as they arrived, only minions whose text changed, parsing only those', () => {
    const text = '{"os": "Debian", "osrelease": "12.5", "num_cpus": 4}';
    const changed = '{"os": "Debian", "osrelease": "12.6", "num_cpus": 4}';
    const result = reconcileRawGrains(
      [
        { id: 'web1', json: text },
        { id: 'web2', json: changed },
        { id: 'web3', json: '{ }' },
        { id: 'stranger', json: changed },
        // Not JSON, but byte for byte what was stored: skipped without being parsed.
        { id: 'web4', json: '{not json' },
      ],
      stored(
        digest('web1', { contentHash: rawGrainsHash(text) }),
        digest('web2', { contentHash: rawGrainsHash(text) }),
        digest('web3'),
        digest('web4', { contentHash: rawGrainsHash('{not json') }),
      ),
      NOW,
    );
    expect(result?.update).toEqual([
      {
        minionId: 'web2',
        grains: { os: 'Debian', osrelease: '12.6', num_cpus: 4 },
        contentHash: rawGrainsHash(changed),
        grainsRefreshedAt: NOW,
        ...denormaliseGrains({ os: 'Debian', osrelease: '12.6', num_cpus: 4 }),
      },
    ]);
  });

  it('changes the digest when any byte of the grains changes', () => {
    const a = rawGrainsHash('{"os": "Debian", "ipv4": ["10.0.0.1"]}');
    expect(rawGrainsHash('{"os": "Debian", "ipv4": ["10.0.0.2"]}')).not.toBe(a);
    expect(rawGrainsHash('{"os": "Debian", "ipv4": ["10.0.0.1"], "x": 1}')).not.toBe(a);
    expect(rawGrainsHash('{"os": "Debian", "ipv4": ["10.0.0.1"]}')).toBe(a);
  });

  it('rewrites every row once after an upgrade from digests of re-serialised grains, then none', () => {
    const sent = '{"os": "Debian", "osrelease": "12.5"}'; // salt-api spacing
    const old = grainsHash(JSON.parse(sent));
    const first = reconcileRawGrains(
      [{ id: 'web1', json: sent }],
      stored(digest('web1', { contentHash: old })),
      NOW,
    );
    expect(first?.update).toHaveLength(1);
    const next = reconcileRawGrains(
      [{ id: 'web1', json: sent }],
      stored(digest('web1', { contentHash: first?.update[0]?.contentHash ?? null })),
      NOW,
    );
    expect(next?.update).toEqual([]);
  });

  it('gives up when a changed text is not a JSON object, for the caller to read the answer whole', () => {
    expect(
      reconcileRawGrains([{ id: 'web1', json: '{"os": ' }], stored(digest('web1')), NOW),
    ).toBeUndefined();
    expect(
      reconcileRawGrains([{ id: 'web1', json: '{"a": 1} x' }], stored(digest('web1')), NOW),
    ).toBeUndefined();
  });
});
