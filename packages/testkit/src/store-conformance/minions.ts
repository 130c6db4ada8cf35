import type { MinionDigest, MinionInsert, MinionSummary, Store } from '@halite/core';
import { describe, expect, it } from 'vitest';
import { expectStoreError, type Harness, pad } from './harness.js';

/** A full minion row with every field set, plus what the Store should give back for it. */
function fullMinion(id: string, n: number): MinionInsert {
  return {
    minionId: id,
    keyStatus: 'accepted',
    isOnline: n % 2 === 0,
    grains: {
      id,
      os: 'Debian',
      num_cpus: n,
      ipv4: [`10.0.${n % 256}.1`, '127.0.0.1'],
      nested: { n, ok: true, none: null },
    },
    os: 'Debian',
    osFamily: 'Debian',
    osrelease: '12.5',
    kernel: 'Linux',
    kernelrelease: '6.1.0-18-amd64',
    virtual: 'kvm',
    numCpus: n,
    memTotal: 1024 * n,
    saltversion: '3007.1',
    primaryIp: `10.0.${n % 256}.1`,
    contentHash: `hash-${n}`,
    keysRefreshedAt: '2025-01-02T03:04:05+02:00',
    presenceRefreshedAt: new Date(Date.UTC(2025, 0, 2, 1, 4, 6, 7)),
    grainsRefreshedAt: '2025-01-02T01:04:07.123456Z',
    lastSeenAt: '2025-01-02T01:04:08Z',
  };
}

async function digests(store: Store): Promise<MinionDigest[]> {
  const out: MinionDigest[] = [];
  for await (const d of store.minions.iterateHashes({ pageSize: 5000 })) out.push(d);
  return out;
}

export function minionSuite(h: Harness): void {
  describe('minions.reconcile', () => {
    it('inserts full rows that read back exactly, times as UTC ISO strings', async () => {
      const { store, clock } = await h.store();
      const result = await store.minions.reconcile({ insert: [fullMinion('web-01', 4)] });
      expect(result).toEqual({ inserted: 1, updated: 0, deleted: 0 });
      expect(await store.minions.get('web-01')).toEqual({
        minionId: 'web-01',
        status: 'online',
        keyStatus: 'accepted',
        isOnline: true,
        os: 'Debian',
        osFamily: 'Debian',
        osrelease: '12.5',
        kernel: 'Linux',
        kernelrelease: '6.1.0-18-amd64',
        virtual: 'kvm',
        numCpus: 4,
        memTotal: 4096,
        saltversion: '3007.1',
        primaryIp: '10.0.4.1',
        contentHash: 'hash-4',
        keysRefreshedAt: '2025-01-02T01:04:05.000Z',
        presenceRefreshedAt: '2025-01-02T01:04:06.007Z',
        grainsRefreshedAt: '2025-01-02T01:04:07.123Z',
        firstSeenAt: clock.iso(),
        lastSeenAt: '2025-01-02T01:04:08.000Z',
        updatedAt: clock.iso(),
        grains: {
          id: 'web-01',
          os: 'Debian',
          num_cpus: 4,
          ipv4: ['10.0.4.1', '127.0.0.1'],
          nested: { n: 4, ok: true, none: null },
        },
      });
    });

    it('defaults every optional column of a minimal insert', async () => {
      const { store, clock } = await h.store();
      await store.minions.reconcile({ insert: [{ minionId: 'new-01', keyStatus: 'pending' }] });
      expect(await store.minions.get('new-01')).toEqual({
        minionId: 'new-01',
        status: 'pending',
        keyStatus: 'pending',
        isOnline: false,
        os: null,
        osFamily: null,
        osrelease: null,
        kernel: null,
        kernelrelease: null,
        virtual: null,
        numCpus: null,
        memTotal: null,
        saltversion: null,
        primaryIp: null,
        contentHash: null,
        keysRefreshedAt: null,
        presenceRefreshedAt: null,
        grainsRefreshedAt: null,
        firstSeenAt: clock.iso(),
        lastSeenAt: null,
        updatedAt: clock.iso(),
        grains: null,
      });
    });

    it('replaces an existing row on insert but keeps its firstSeenAt', async () => {
      const { store, clock } = await h.store();
      const first = clock.iso();
      await store.minions.reconcile({ insert: [fullMinion('web-01', 2)] });
      const later = clock.advance(60_000);
      const result = await store.minions.reconcile({
        insert: [{ minionId: 'web-01', keyStatus: 'rejected' }],
      });
      expect(result).toEqual({ inserted: 0, updated: 1, deleted: 0 });
      expect(await store.minions.get('web-01')).toMatchObject({
        keyStatus: 'rejected',
        status: 'rejected',
        os: null,
        grains: null,
        firstSeenAt: first,
        updatedAt: later,
      });
    });

    it('patches only the given fields; null clears, a present undefined leaves as is', async () => {
      const { store, clock } = await h.store();
      await store.minions.reconcile({ insert: [fullMinion('web-01', 2), fullMinion('web-02', 3)] });
      const later = clock.advance(1000);
      const result = await store.minions.reconcile({
        update: [
          { minionId: 'web-01', isOnline: false, presenceRefreshedAt: later, os: undefined },
          {
            minionId: 'web-02',
            grains: { changed: 'yes' },
            contentHash: 'new',
            primaryIp: null,
            numCpus: 16,
          },
        ],
      });
      expect(result).toEqual({ inserted: 0, updated: 2, deleted: 0 });
      const one = await store.minions.get('web-01');
      expect(one).toMatchObject({
        isOnline: false,
        status: 'offline',
        presenceRefreshedAt: later,
        os: 'Debian',
        updatedAt: later,
      });
      expect(one?.grains).toEqual(fullMinion('web-01', 2).grains);
      expect(await store.minions.get('web-02')).toMatchObject({
        grains: { changed: 'yes' },
        contentHash: 'new',
        primaryIp: null,
        numCpus: 16,
        os: 'Debian',
        isOnline: false,
      });
    });

    it('skips a patch of a minion that does not exist (no resurrection)', async () => {
      const { store } = await h.store();
      const result = await store.minions.reconcile({ update: [{ minionId: 'gone', isOnline: true }] });
      expect(result).toEqual({ inserted: 0, updated: 0, deleted: 0 });
      expect(await store.minions.get('gone')).toBeUndefined();
      expect(await store.minions.count()).toBe(0);
    });

    it('de-duplicates keys: the last insert wins, patches merge in order, delete wins', async () => {
      const { store } = await h.store();
      await store.minions.reconcile({ insert: [{ minionId: 'keep', keyStatus: 'accepted' }] });
      const result = await store.minions.reconcile({
        insert: [
          { minionId: 'a', keyStatus: 'pending', os: 'first' },
          { minionId: 'a', keyStatus: 'accepted', os: 'second' },
          { minionId: 'doomed', keyStatus: 'accepted' },
        ],
        update: [
          { minionId: 'keep', os: 'one', numCpus: 1 },
          { minionId: 'keep', os: 'two' },
          { minionId: 'a', saltversion: '3007.1' },
        ],
        delete: ['doomed', 'doomed', 'never-existed'],
      });
      expect(result).toEqual({ inserted: 1, updated: 2, deleted: 0 });
      expect(await store.minions.get('a')).toMatchObject({
        keyStatus: 'accepted',
        os: 'second',
        saltversion: '3007.1',
      });
      expect(await store.minions.get('keep')).toMatchObject({ os: 'two', numCpus: 1 });
      expect(await store.minions.get('doomed')).toBeUndefined();
    });

    it('deletes listed rows and ignores unknown ids', async () => {
      const { store } = await h.store();
      await store.minions.reconcile({
        insert: ['a', 'b', 'c'].map((id) => ({ minionId: id, keyStatus: 'accepted' as const })),
      });
      expect(await store.minions.reconcile({ delete: ['a', 'c', 'x'] })).toEqual({
        inserted: 0,
        updated: 0,
        deleted: 2,
      });
      expect((await store.minions.list()).items.map((m) => m.minionId)).toEqual(['b']);
    });

    it('with fetchedAt, leaves rows whose keys were written later (a key action) as they are', async () => {
      const { store } = await h.store();
      const before = '2025-03-01T00:00:00.000Z';
      const fetched = '2025-03-01T00:00:05.000Z';
      const action = '2025-03-01T00:00:06.000Z';
      await store.minions.reconcile({
        insert: [
          { minionId: 'acted', keyStatus: 'accepted', keysRefreshedAt: action },
          { minionId: 'rejected-by-action', keyStatus: 'rejected', keysRefreshedAt: action },
          { minionId: 'added-by-action', keyStatus: 'accepted', keysRefreshedAt: action },
          { minionId: 'stale', keyStatus: 'pending', keysRefreshedAt: before },
          { minionId: 'same-time', keyStatus: 'pending', keysRefreshedAt: fetched },
          { minionId: 'never', keyStatus: 'pending' },
          { minionId: 'gone', keyStatus: 'accepted', keysRefreshedAt: before },
        ],
      });
      // What a keys poll fetched at `fetched` (before the actions) says, applied after them.
      const poll = '2025-03-01T00:00:07.000Z';
      const result = await store.minions.reconcile({
        insert: [{ minionId: 'rejected-by-action', keyStatus: 'pending', keysRefreshedAt: poll }],
        update: [
          { minionId: 'acted', keyStatus: 'pending', keysRefreshedAt: poll },
          { minionId: 'stale', keyStatus: 'accepted', keysRefreshedAt: poll },
          { minionId: 'same-time', keyStatus: 'accepted', keysRefreshedAt: poll },
          { minionId: 'never', keyStatus: 'accepted', keysRefreshedAt: poll },
        ],
        delete: ['added-by-action', 'gone'],
        refreshed: { keys: poll },
        fetchedAt: fetched,
      });
      expect(result).toEqual({ inserted: 0, updated: 3, deleted: 1 });
      const rows = (await store.minions.list()).items.map((m) => [
        m.minionId,
        m.keyStatus,
        m.keysRefreshedAt,
      ]);
      expect(rows).toEqual([
        ['acted', 'accepted', action],
        ['added-by-action', 'accepted', action],
        ['never', 'accepted', poll],
        ['rejected-by-action', 'rejected', action],
        ['same-time', 'accepted', poll],
        ['stale', 'accepted', poll],
      ]);
      expect((await store.minions.refreshTimes()).keys).toBe(poll);
      // Without fetchedAt every change applies.
      await store.minions.reconcile({ update: [{ minionId: 'acted', keyStatus: 'pending' }] });
      expect((await store.minions.get('acted'))?.keyStatus).toBe('pending');
    });

    it('records source refresh times with the change set, and on their own', async () => {
      const { store } = await h.store();
      expect(await store.minions.refreshTimes()).toEqual({ keys: null, presence: null, grains: null });
      await store.minions.reconcile({
        refreshed: { keys: '2025-03-01T00:00:00Z', grains: '2025-03-01T00:00:01+00:00' },
      });
      await store.minions.markRefreshed('presence', new Date('2025-03-01T00:00:02Z'));
      await store.minions.markRefreshed('keys', '2025-03-01T00:00:03Z');
      expect(await store.minions.refreshTimes()).toEqual({
        keys: '2025-03-01T00:00:03.000Z',
        presence: '2025-03-01T00:00:02.000Z',
        grains: '2025-03-01T00:00:01.000Z',
      });
    });

    it('writes 20,000 rows, patches and deletes them in chunks past the bind-parameter limit', async () => {
      const { store } = await h.store();
      const n = 20_000;
      // 21 columns × 20,000 rows = 420,000 bound values: over SQLite's 32,766 and PostgreSQL's 65,535.
      const inserts = Array.from({ length: n }, (_, i) => fullMinion(`m-${pad(i)}`, i));
      expect(await store.minions.reconcile({ insert: inserts })).toEqual({
        inserted: n,
        updated: 0,
        deleted: 0,
      });
      expect(await store.minions.count()).toBe(n);
      for (const i of [0, 1488, 1489, 3119, 3120, 12_345, n - 1]) {
        const m = await store.minions.get(`m-${pad(i)}`);
        expect(m).toMatchObject({
          numCpus: i,
          memTotal: 1024 * i,
          contentHash: `hash-${i}`,
          isOnline: i % 2 === 0,
        });
        expect(m?.grains).toEqual(fullMinion(`m-${pad(i)}`, i).grains);
      }
      const patches = inserts.map((m, i) => ({
        minionId: m.minionId,
        isOnline: i % 2 === 1,
        contentHash: `p-${i}`,
      }));
      expect(await store.minions.reconcile({ update: patches })).toEqual({
        inserted: 0,
        updated: n,
        deleted: 0,
      });
      expect(await store.minions.count({ status: ['online'] })).toBe(n / 2);
      expect((await store.minions.get(`m-${pad(19_999)}`))?.contentHash).toBe('p-19999');
      const all = inserts.map((m) => m.minionId);
      expect(await store.minions.reconcile({ delete: all })).toEqual({ inserted: 0, updated: 0, deleted: n });
      expect(await store.minions.count()).toBe(0);
    });

    for (const where of ['insert', 'update', 'delete'] as const) {
      it(`leaves the table as it was when the database fails in the middle of a batch (${where})`, async () => {
        const { store, fixture } = await h.store();
        const seed = Array.from({ length: 3000 }, (_, i) => fullMinion(`s-${pad(i)}`, i));
        await store.minions.reconcile({ insert: seed });
        const before = await digests(store);
        const beforeRow = await store.minions.get('s-02999');
        const boom = { insert: 'x-09000', update: 's-02500', delete: 's-02999' }[where];
        await fixture.failWritesWhere('minion_snapshots', 'minion_id', boom);
        const error = await store.minions
          .reconcile({
            // Thousands of new rows come first, in several chunks, then patches, then deletes.
            insert: Array.from({ length: 12_000 }, (_, i) => fullMinion(`x-${pad(i)}`, i)),
            update: seed
              .slice(0, 2600)
              .map((m) => ({ minionId: m.minionId, os: 'changed', isOnline: false })),
            delete: seed.slice(2900).map((m) => m.minionId),
          })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
        expect((error as { name?: string }).name).toBe('StoreError');
        expect(await store.minions.count()).toBe(3000);
        expect(await digests(store)).toEqual(before);
        expect(await store.minions.get('s-02999')).toEqual(beforeRow);
        expect(await store.minions.count({ os: ['changed'] })).toBe(0);
      });
    }

    const bad: Array<[string, unknown]> = [
      ['a numeric minion id', { insert: [{ minionId: 42, keyStatus: 'accepted' }] }],
      ['an empty minion id', { insert: [{ minionId: '', keyStatus: 'accepted' }] }],
      ['a 256-character minion id', { insert: [{ minionId: 'x'.repeat(256), keyStatus: 'accepted' }] }],
      ['an unknown key status', { insert: [{ minionId: 'a', keyStatus: 'bogus' }] }],
      ['a string for num_cpus', { insert: [{ minionId: 'a', keyStatus: 'accepted', numCpus: '4' }] }],
      ['a fraction for num_cpus', { insert: [{ minionId: 'a', keyStatus: 'accepted', numCpus: 1.5 }] }],
      ['an int32 overflow', { insert: [{ minionId: 'a', keyStatus: 'accepted', memTotal: 2 ** 31 }] }],
      ['a 65-character os', { insert: [{ minionId: 'a', keyStatus: 'accepted', os: 'o'.repeat(65) }] }],
      ['grains that are an array', { insert: [{ minionId: 'a', keyStatus: 'accepted', grains: [1, 2] }] }],
      ['grains that are a string', { insert: [{ minionId: 'a', keyStatus: 'accepted', grains: 'x' }] }],
      ['grains holding a BigInt', { insert: [{ minionId: 'a', keyStatus: 'accepted', grains: { n: 1n } }] }],
      ['a NUL in the minion id', { insert: [{ minionId: 'a\u0000b', keyStatus: 'accepted' }] }],
      ['a lone surrogate in os', { insert: [{ minionId: 'a', keyStatus: 'accepted', os: 'x\ud800' }] }],
      [
        'a time that is not a time',
        { insert: [{ minionId: 'a', keyStatus: 'accepted', lastSeenAt: 'yesterday' }] },
      ],
      [
        'month 13',
        { insert: [{ minionId: 'a', keyStatus: 'accepted', lastSeenAt: '2025-13-01T00:00:00Z' }] },
      ],
      [
        'a time without a zone',
        { insert: [{ minionId: 'a', keyStatus: 'accepted', lastSeenAt: '2025-01-01T00:00:00' }] },
      ],
      ['a boolean as a number', { update: [{ minionId: 'a', isOnline: 1 }] }],
      ['delete that is not a list', { delete: 'a' }],
      ['a refreshed source time that is a number', { refreshed: { keys: 5 } }],
    ];
    for (const [what, changes] of bad) {
      it(`refuses ${what} with invalid_input and writes nothing`, async () => {
        const { store } = await h.store();
        await store.minions.reconcile({ insert: [{ minionId: 'pre', keyStatus: 'accepted', os: 'before' }] });
        const valid = Array.from({ length: 50 }, (_, i) => ({
          minionId: `v-${i}`,
          keyStatus: 'accepted' as const,
        }));
        const set = changes as { insert?: unknown[]; update?: unknown[] };
        const payload = {
          ...set,
          insert: [...valid, ...(set.insert ?? [])],
          update: [{ minionId: 'pre', os: 'after' }, ...(set.update ?? [])],
        };
        await expectStoreError(store.minions.reconcile(payload as never), 'invalid_input');
        expect(await store.minions.count()).toBe(1);
        expect((await store.minions.get('pre'))?.os).toBe('before');
      });
    }

    it('refuses a circular grains object with invalid_input', async () => {
      const { store } = await h.store();
      const grains: Record<string, unknown> = { a: 1 };
      grains.self = grains;
      const error = await expectStoreError(
        store.minions.reconcile({
          insert: [{ minionId: 'a', keyStatus: 'accepted', grains: grains as never }],
        }),
        'invalid_input',
      );
      expect(error.message).toContain('insert[0].grains');
      expect(await store.minions.count()).toBe(0);
    });
  });

  describe('minions: unicode and large JSON', () => {
    it('round-trips unicode and sorts ids by code point on every database', async () => {
      const { store } = await h.store();
      const ids = ['日本-01', 'a', 'B', 'é', '𝄞-clef', '\uff46ull', 'Z', 'ß', 'ｗeb'];
      const grains = { greeting: 'héllo wörld — 日本語 — עברית — 🚀', emoji: ['🧂', '⚙️'], 'kéy ✓': 'ok' };
      await store.minions.reconcile({
        insert: ids.map((id) => ({ minionId: id, keyStatus: 'accepted' as const, grains, os: id })),
      });
      const page = await store.minions.list({ limit: 100 });
      expect(page.items.map((m) => m.minionId)).toEqual([
        'B',
        'Z',
        'a',
        'ß',
        'é',
        '日本-01',
        '\uff46ull',
        'ｗeb',
        '𝄞-clef',
      ]);
      expect((await store.minions.get('𝄞-clef'))?.grains).toEqual(grains);
      const byOs = await store.minions.list({ sort: 'os', order: 'desc', limit: 3 });
      expect(byOs.items.map((m) => m.os)).toEqual(['𝄞-clef', 'ｗeb', '\uff46ull']);
    });

    it('stores NUL characters and lone surrogates inside JSON as U+FFFD', async () => {
      const { store } = await h.store();
      const grains = { 'k\u0000ey': 'a\u0000b', lone: 'x\ud800y', pair: '𝄞', escaped: '\\u0000 stays text' };
      await store.minions.reconcile({ insert: [{ minionId: 'a', keyStatus: 'accepted', grains }] });
      expect((await store.minions.get('a'))?.grains).toEqual({
        'k\ufffdey': 'a\ufffdb',
        lone: 'x\ufffdy',
        pair: '𝄞',
        escaped: '\\u0000 stays text',
      });
    });

    it('round-trips a 2 MB grains object exactly', async () => {
      const { store } = await h.store();
      const grains: Record<string, unknown> = {};
      for (let i = 0; i < 5000; i++)
        grains[`key_${i}`] = { text: `value ${i} `.repeat(40), list: [i, i / 3, `ü${i}`] };
      expect(JSON.stringify(grains).length).toBeGreaterThan(2_000_000);
      await store.minions.reconcile({
        insert: [{ minionId: 'big', keyStatus: 'accepted', grains: grains as never }],
      });
      expect((await store.minions.get('big'))?.grains).toEqual(grains);
    });

    it('refuses grains larger than maxJsonBytes with invalid_input', async () => {
      const { store } = await h.store({ maxJsonBytes: 1000 });
      await expectStoreError(
        store.minions.reconcile({
          insert: [{ minionId: 'a', keyStatus: 'accepted', grains: { s: 'x'.repeat(1000) } }],
        }),
        'invalid_input',
      );
      await store.minions.reconcile({
        insert: [{ minionId: 'a', keyStatus: 'accepted', grains: { s: 'x'.repeat(900) } }],
      });
      expect((await store.minions.get('a'))?.grains).toEqual({ s: 'x'.repeat(900) });
    });
  });

  describe('minions: reads', () => {
    async function fleet(store: Store) {
      const rows: MinionInsert[] = [
        {
          minionId: 'web-01',
          keyStatus: 'accepted',
          isOnline: true,
          os: 'Debian',
          osFamily: 'Debian',
          saltversion: '3007.1',
          primaryIp: '10.0.0.1',
          lastSeenAt: '2025-01-01T00:00:03Z',
        },
        {
          minionId: 'web-02',
          keyStatus: 'accepted',
          isOnline: false,
          os: 'Ubuntu',
          osFamily: 'Debian',
          saltversion: '3006.9',
          primaryIp: '10.0.0.2',
          lastSeenAt: '2025-01-01T00:00:01Z',
        },
        {
          minionId: 'db-01',
          keyStatus: 'accepted',
          isOnline: true,
          os: 'Rocky',
          osFamily: 'RedHat',
          saltversion: '3007.1',
          primaryIp: '10.0.1.1',
          lastSeenAt: '2025-01-01T00:00:02Z',
        },
        {
          minionId: 'db-02',
          keyStatus: 'accepted',
          isOnline: true,
          os: 'Rocky',
          osFamily: 'RedHat',
          saltversion: null,
          primaryIp: null,
        },
        {
          minionId: 'win_01',
          keyStatus: 'pending',
          os: 'Windows',
          osFamily: 'Windows',
          primaryIp: '192.168.0.9',
        },
        { minionId: 'win%02', keyStatus: 'rejected', os: 'Windows', osFamily: 'Windows' },
        { minionId: 'lab-01', keyStatus: 'denied' },
      ];
      await store.minions.reconcile({ insert: rows });
    }
    const ids = (page: { items: MinionSummary[] }) => page.items.map((m) => m.minionId);

    it('pages with an exact total at every offset, and refuses bad paging', async () => {
      const { store } = await h.store();
      await fleet(store);
      const all = ['db-01', 'db-02', 'lab-01', 'web-01', 'web-02', 'win%02', 'win_01'];
      for (const [offset, expected] of [
        [0, all.slice(0, 3)],
        [3, all.slice(3, 6)],
        [6, all.slice(6)],
        [7, []],
        [100, []],
      ] as const) {
        const page = await store.minions.list({ limit: 3, offset });
        expect(page.total).toBe(7);
        expect(ids(page)).toEqual(expected);
      }
      expect(ids(await store.minions.list({ limit: 1000 }))).toEqual(all);
      expect((await store.minions.list()).items).toHaveLength(7);
      for (const bad of [{ limit: 0 }, { limit: 1001 }, { offset: -1 }, { limit: 2.5 }, { limit: '10' }]) {
        await expectStoreError(store.minions.list(bad as never), 'invalid_input');
      }
    });

    it('filters by status, key status, os family, os, salt version, ids and search', async () => {
      const { store } = await h.store();
      await fleet(store);
      expect(ids(await store.minions.list({ status: ['online'] }))).toEqual(['db-01', 'db-02', 'web-01']);
      expect(ids(await store.minions.list({ status: ['offline', 'pending'] }))).toEqual(['web-02', 'win_01']);
      expect(ids(await store.minions.list({ keyStatus: ['rejected', 'denied'] }))).toEqual([
        'lab-01',
        'win%02',
      ]);
      expect(ids(await store.minions.list({ osFamily: ['RedHat'], saltversion: ['3007.1'] }))).toEqual([
        'db-01',
      ]);
      expect(ids(await store.minions.list({ os: ['Ubuntu', 'Windows'] }))).toEqual([
        'web-02',
        'win%02',
        'win_01',
      ]);
      expect(ids(await store.minions.list({ ids: ['web-01', 'nope', 'lab-01'] }))).toEqual([
        'lab-01',
        'web-01',
      ]);
      expect(ids(await store.minions.list({ ids: [] }))).toEqual([]);
      expect(ids(await store.minions.list({ search: 'WEB' }))).toEqual(['web-01', 'web-02']);
      expect(ids(await store.minions.list({ search: '10.0.1.' }))).toEqual(['db-01']);
      // LIKE wildcards in the search text are matched literally.
      expect(ids(await store.minions.list({ search: '%' }))).toEqual(['win%02']);
      expect(ids(await store.minions.list({ search: '_' }))).toEqual(['win_01']);
      expect(await store.minions.list({ status: ['online'], search: 'db', limit: 1 })).toMatchObject({
        total: 2,
      });
      await expectStoreError(store.minions.list({ status: ['sleeping' as never] }), 'invalid_input');
    });

    it('filters by id prefix: case-sensitive, wildcards literal, code-point ranges', async () => {
      const { store } = await h.store();
      await fleet(store);
      await store.minions.reconcile({
        insert: [
          { minionId: 'web', keyStatus: 'accepted' },
          { minionId: 'webz', keyStatus: 'accepted' },
          { minionId: 'Web-03', keyStatus: 'accepted' },
          { minionId: 'wec-01', keyStatus: 'accepted' },
          { minionId: 'wé-01', keyStatus: 'accepted' },
          { minionId: 'w\u{10FFFF}x', keyStatus: 'accepted' },
        ],
      });
      const prefixed = async (idPrefix: string, more: object = {}) =>
        ids(await store.minions.list({ idPrefix, limit: 1000, ...more }));
      expect(await prefixed('web-')).toEqual(['web-01', 'web-02']);
      expect(await prefixed('web')).toEqual(['web', 'web-01', 'web-02', 'webz']);
      expect(await prefixed('Web')).toEqual(['Web-03']);
      expect(await prefixed('win%')).toEqual(['win%02']);
      expect(await prefixed('win_')).toEqual(['win_01']);
      expect(await prefixed('wé')).toEqual(['wé-01']);
      expect(await prefixed('w\u{10FFFF}')).toEqual(['w\u{10FFFF}x']);
      expect(await prefixed('nothing')).toEqual([]);
      expect(await prefixed('web-', { status: ['offline'] })).toEqual(['web-02']);
      expect(await store.minions.count({ idPrefix: 'db-' })).toBe(2);
      expect(await store.minions.list({ idPrefix: 'web', limit: 1, offset: 1 })).toMatchObject({
        total: 4,
        items: [{ minionId: 'web-01' }],
      });
      await expectStoreError(store.minions.list({ idPrefix: 'x'.repeat(256) }), 'invalid_input');
    });

    it('gives the exact total of a scanning filter on every page, past the last one too', async () => {
      const { store } = await h.store();
      await fleet(store);
      for (const filter of [
        { search: 'w' },
        { grains: ['no_such:*'] },
        { search: '0', status: ['online' as const] },
      ]) {
        const all = await store.minions.list({ ...filter, limit: 1000 });
        for (const offset of [0, 1, all.total, all.total + 5]) {
          const page = await store.minions.list({ ...filter, limit: 1, offset });
          expect(page.total, JSON.stringify({ filter, offset })).toBe(all.total);
          expect(ids(page)).toEqual(ids(all).slice(offset, offset + 1));
        }
      }
      expect((await store.minions.list({ search: 'w', sort: 'primaryIp', order: 'desc' })).total).toBe(4);
    });

    it('moves the change counter of minions after each write, not after reads', async () => {
      const { store } = await h.store();
      const minions = () => store.changes.version('minions');
      const jobs = store.changes.version('jobs');
      let before = minions();
      await fleet(store);
      expect(minions()).toBeGreaterThan(before);
      before = minions();
      await store.minions.list({ search: 'web' });
      await store.minions.count();
      await store.minions.get('web-01');
      await store.minions.refreshTimes();
      for await (const _ of store.minions.iterateHashes()) break;
      expect(minions()).toBe(before);
      await store.minions.markRefreshed('keys', new Date());
      expect(minions()).toBeGreaterThan(before);
      before = minions();
      await expectStoreError(store.minions.list({ limit: 0 }), 'invalid_input');
      await expectStoreError(
        store.minions.reconcile({ insert: [{ minionId: '' }] } as never),
        'invalid_input',
      );
      expect(minions()).toBeGreaterThan(before);
      expect(store.changes.version('jobs')).toBe(jobs);
    });

    it('moves the change counter again when a transaction that wrote ends', async () => {
      const { store } = await h.store();
      let inside = -1;
      await store.transaction(async (tx) => {
        await tx.minions.reconcile({ insert: [{ minionId: 'tx-01', keyStatus: 'accepted' }] });
        inside = store.changes.version('minions');
      });
      expect(store.changes.version('minions')).toBeGreaterThan(inside);
      inside = -1;
      await expect(
        store.transaction(async (tx) => {
          await tx.minions.reconcile({ insert: [{ minionId: 'tx-02', keyStatus: 'accepted' }] });
          inside = store.changes.version('minions');
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(store.changes.version('minions')).toBeGreaterThan(inside);
      const quiet = store.changes.version('minions');
      await store.transaction((tx) => tx.minions.list());
      expect(store.changes.version('minions')).toBe(quiet);
    });

    it("filters by grain targets with Salt's G@ semantics", async () => {
      const { store } = await h.store();
      const grains = (id: string, g: Record<string, unknown> | null): MinionInsert => ({
        minionId: id,
        keyStatus: 'accepted',
        grains: g as MinionInsert['grains'],
      });
      await store.minions.reconcile({
        insert: [
          grains('deb', {
            os_family: 'Debian',
            ipv4: ['10.0.0.5', '127.0.0.1'],
            ip_interfaces: { eth0: ['10.0.0.5', 'fe80::1'], lo: ['127.0.0.1'] },
            num_cpus: 4,
            virtual: 'kvm',
            selinux: { enabled: true },
            roles: ['web', 'edge'],
            mem: 2.5,
            empty: null,
            motd: 'a:b',
            pct: '100%',
          }),
          grains('rh', {
            os_family: 'RedHat',
            ipv4: ['10.0.1.7'],
            ip_interfaces: { eth0: ['10.0.1.7'] },
            num_cpus: 16,
            selinux: { enabled: false },
            roles: [{ web: true }],
            motd: { a: 'b' },
            pct: '100x',
          }),
          grains('bare', null),
        ],
      });
      const g = async (...targets: string[]) => ids(await store.minions.list({ grains: targets }));
      // Exact and glob, case-insensitive.
      expect(await g('os_family:Debian')).toEqual(['deb']);
      expect(await g('os_family:debian')).toEqual(['deb']);
      expect(await g('os_family:*')).toEqual(['deb', 'rh']);
      expect(await g('os_family:Red?at')).toEqual(['rh']);
      expect(await g('os_family:Deb')).toEqual([]);
      // A list matches when any element does.
      expect(await g('ipv4:10.0.0.*')).toEqual(['deb']);
      expect(await g('ipv4:127.0.0.1')).toEqual(['deb']);
      expect(await g('ipv4:10.*')).toEqual(['deb', 'rh']);
      // Nested keys with ':'; the value may hold ':' too (deepest key path first, then shallower).
      expect(await g('ip_interfaces:eth0:10.0.1.7')).toEqual(['rh']);
      expect(await g('ip_interfaces:eth0:fe80::1')).toEqual(['deb']);
      expect(await g('motd:a:b')).toEqual(['deb', 'rh']);
      // A dict matches the name of one of its keys; `*` any dict.
      expect(await g('ip_interfaces:lo')).toEqual(['deb']);
      expect(await g('ip_interfaces:*')).toEqual(['deb', 'rh']);
      // Numbers, booleans and null match their text as Python prints it (lowercased).
      expect(await g('num_cpus:4')).toEqual(['deb']);
      expect(await g('num_cpus:1?')).toEqual(['rh']);
      expect(await g('mem:2.5')).toEqual(['deb']);
      expect(await g('selinux:enabled:True')).toEqual(['deb']);
      expect(await g('selinux:enabled:false')).toEqual(['rh']);
      expect(await g('empty:None')).toEqual(['deb']);
      // A dict inside a list matches by key, as a dict does.
      expect(await g('roles:web')).toEqual(['deb', 'rh']);
      expect(await g('roles:edge')).toEqual(['deb']);
      // SQL wildcards in the value are literal.
      expect(await g('pct:100%')).toEqual(['deb']);
      expect(await g('pct:100_')).toEqual([]);
      // Every target must match; they combine with other filters.
      expect(await g('os_family:Debian', 'num_cpus:4')).toEqual(['deb']);
      expect(await g('os_family:Debian', 'num_cpus:16')).toEqual([]);
      expect(await store.minions.list({ grains: ['ipv4:10.*'], search: 'rh' })).toMatchObject({ total: 1 });
      expect(await store.minions.count({ grains: ['ipv4:10.*'] })).toBe(2);
      expect(await g('no_such_grain:*')).toEqual([]);
      for (const bad of ['os_family', ':Debian', '*:Debian', 'a"b:c', 'x'.repeat(513), 'a:'.repeat(16)]) {
        const error = await expectStoreError(store.minions.list({ grains: [bad] }), 'invalid_input');
        expect(error.message).toContain('grains[0]');
      }
      await expectStoreError(store.minions.list({ grains: Array(9).fill('a:b') }), 'invalid_input');
    });

    it('sorts by every sortable column both ways, NULLs smallest, ties by id', async () => {
      const { store } = await h.store();
      await fleet(store);
      expect(ids(await store.minions.list({ sort: 'minionId', order: 'desc' }))).toEqual([
        'win_01',
        'win%02',
        'web-02',
        'web-01',
        'lab-01',
        'db-02',
        'db-01',
      ]);
      expect(ids(await store.minions.list({ sort: 'saltversion' }))).toEqual([
        'db-02',
        'lab-01',
        'win%02',
        'win_01',
        'web-02',
        'db-01',
        'web-01',
      ]);
      expect(ids(await store.minions.list({ sort: 'saltversion', order: 'desc' }))).toEqual([
        'web-01',
        'db-01',
        'web-02',
        'win_01',
        'win%02',
        'lab-01',
        'db-02',
      ]);
      expect(ids(await store.minions.list({ sort: 'lastSeenAt', order: 'desc', limit: 3 }))).toEqual([
        'web-01',
        'db-01',
        'web-02',
      ]);
      expect(ids(await store.minions.list({ sort: 'osFamily' }))).toEqual([
        'lab-01',
        'web-01',
        'web-02',
        'db-01',
        'db-02',
        'win%02',
        'win_01',
      ]);
      expect(ids(await store.minions.list({ sort: 'os', order: 'desc', limit: 2 }))).toEqual([
        'win_01',
        'win%02',
      ]);
      expect(ids(await store.minions.list({ sort: 'primaryIp', limit: 4 }))).toEqual([
        'db-02',
        'lab-01',
        'win%02',
        'web-01',
      ]);
      await expectStoreError(store.minions.list({ sort: 'grains' as never }), 'invalid_input');
    });

    it('lists without grains and reads several with grains, sorted, unknown ids left out', async () => {
      const { store } = await h.store();
      await store.minions.reconcile({ insert: [fullMinion('b', 1), fullMinion('a', 2)] });
      const page = await store.minions.list();
      expect(page.items.every((m) => !('grains' in m))).toBe(true);
      const many = await store.minions.getMany(['b', 'zzz', 'a', 'b']);
      expect(many.map((m) => [m.minionId, m.grains])).toEqual([
        ['a', fullMinion('a', 2).grains],
        ['b', fullMinion('b', 1).grains],
      ]);
      expect(await store.minions.getMany([])).toEqual([]);
      expect(await store.minions.get('zzz')).toBeUndefined();
      await expectStoreError(
        store.minions.getMany(Array.from({ length: 1001 }, (_, i) => `m${i}`)),
        'invalid_input',
      );
    });

    it('counts and groups by column', async () => {
      const { store } = await h.store();
      await fleet(store);
      expect(await store.minions.count()).toBe(7);
      expect(await store.minions.count({ osFamily: ['Debian'] })).toBe(2);
      expect(await store.minions.countBy('status')).toEqual([
        { value: 'online', count: 3 },
        { value: 'denied', count: 1 },
        { value: 'offline', count: 1 },
        { value: 'pending', count: 1 },
        { value: 'rejected', count: 1 },
      ]);
      expect(await store.minions.countBy('osFamily')).toEqual([
        { value: 'Debian', count: 2 },
        { value: 'RedHat', count: 2 },
        { value: 'Windows', count: 2 },
        { value: null, count: 1 },
      ]);
      expect(await store.minions.countBy('saltversion', { keyStatus: ['accepted'] })).toEqual([
        { value: '3007.1', count: 2 },
        { value: null, count: 1 },
        { value: '3006.9', count: 1 },
      ]);
    });

    it('pages through digests without grains, and iterates every one once', async () => {
      const { store } = await h.store();
      await store.minions.reconcile({
        insert: Array.from({ length: 25 }, (_, i) => ({
          minionId: `m-${pad(i, 2)}`,
          keyStatus: i % 5 === 0 ? ('pending' as const) : ('accepted' as const),
          isOnline: i % 2 === 0,
          contentHash: i % 3 === 0 ? null : `h${i}`,
          grains: { big: 'x'.repeat(1000) },
        })),
      });
      const first = await store.minions.hashes({ limit: 10 });
      expect(first).toHaveLength(10);
      expect(first[0]).toEqual({ minionId: 'm-00', keyStatus: 'pending', isOnline: true, contentHash: null });
      expect(first[1]).toEqual({
        minionId: 'm-01',
        keyStatus: 'accepted',
        isOnline: false,
        contentHash: 'h1',
      });
      const next = await store.minions.hashes({ after: 'm-09', limit: 10 });
      expect(next.map((d) => d.minionId)).toEqual(
        Array.from({ length: 10 }, (_, i) => `m-${pad(i + 10, 2)}`),
      );
      expect(await store.minions.hashes({ after: 'm-24' })).toEqual([]);
      const seen: string[] = [];
      for await (const d of store.minions.iterateHashes({ pageSize: 7 })) seen.push(d.minionId);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `m-${pad(i, 2)}`));
      await expectStoreError(store.minions.hashes({ limit: 10_001 }), 'invalid_input');
    });
  });
}
