import { describe, expect, it } from 'vitest';
import type { ChangeFeature, StoreChanges } from './changes.js';
import { codePointSuccessor } from './queries/minions.js';
import { ReadCache } from './read-cache.js';

function setup(options: ConstructorParameters<typeof ReadCache>[1] = {}) {
  const versions: Record<ChangeFeature, number> = { minions: 0, jobs: 0 };
  const changes: StoreChanges = { version: (f) => versions[f] };
  let now = 1_000_000;
  const cache = new ReadCache(changes, options, () => now);
  let loads = 0;
  const load = async () => {
    loads += 1;
    return { n: loads, items: [{ id: `m${loads}` }] };
  };
  return {
    cache,
    versions,
    load,
    loads: () => loads,
    tick: (ms: number) => {
      now += ms;
    },
  };
}

describe('ReadCache', () => {
  it('serves one answer to identical reads until the time limit', async () => {
    const t = setup({ ttlMs: 1000 });
    const first = await t.cache.read(['minions'], 'k', t.load);
    t.tick(999);
    expect(await t.cache.read(['minions'], 'k', t.load)).toBe(first);
    t.tick(1);
    const second = await t.cache.read(['minions'], 'k', t.load);
    expect(second).not.toBe(first);
    expect(second.n).toBe(2);
  });

  it('reads again once a feature it depends on was written, and only then', async () => {
    const t = setup();
    const first = await t.cache.read(['minions'], 'k', t.load);
    t.versions.jobs += 1;
    expect(await t.cache.read(['minions'], 'k', t.load)).toBe(first);
    t.versions.minions += 1;
    expect((await t.cache.read(['minions'], 'k', t.load)).n).toBe(2);
    const both = await t.cache.read(['minions', 'jobs'], 'both', t.load);
    t.versions.jobs += 1;
    expect(await t.cache.read(['minions', 'jobs'], 'both', t.load)).not.toBe(both);
  });

  it('keeps answers apart by key', async () => {
    const t = setup();
    const a = await t.cache.read(['minions'], 'a', t.load);
    const b = await t.cache.read(['minions'], 'b', t.load);
    expect(a.n).toBe(1);
    expect(b.n).toBe(2);
    expect(await t.cache.read(['minions'], 'a', t.load)).toBe(a);
  });

  it('shares one load between identical reads that arrive while it runs', async () => {
    const t = setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = async () => {
      await gate;
      return t.load();
    };
    const reads = [1, 2, 3].map(() => t.cache.read(['minions'], 'k', slow));
    release();
    const answers = await Promise.all(reads);
    expect(t.loads()).toBe(1);
    expect(new Set(answers).size).toBe(1);
  });

  it('does not keep a failed load', async () => {
    const t = setup();
    await expect(
      t.cache.read(['minions'], 'k', async () => {
        throw new Error('database gone');
      }),
    ).rejects.toThrow('database gone');
    expect(t.cache.size).toBe(0);
    expect((await t.cache.read(['minions'], 'k', t.load)).n).toBe(1);
  });

  it('freezes answers, nested objects and arrays included', async () => {
    const t = setup();
    const answer = await t.cache.read(['minions'], 'k', t.load);
    expect(Object.isFrozen(answer)).toBe(true);
    expect(Object.isFrozen(answer.items)).toBe(true);
    expect(Object.isFrozen(answer.items[0])).toBe(true);
    expect(() => {
      (answer as { n: number }).n = 5;
    }).toThrow(TypeError);
  });

  it('keeps at most maxEntries answers, dropping the least recently used', async () => {
    const t = setup({ maxEntries: 2 });
    const a = await t.cache.read(['minions'], 'a', t.load);
    await t.cache.read(['minions'], 'b', t.load);
    expect(await t.cache.read(['minions'], 'a', t.load)).toBe(a); // a is now the most recent
    await t.cache.read(['minions'], 'c', t.load);
    expect(t.cache.size).toBe(2);
    expect(await t.cache.read(['minions'], 'a', t.load)).toBe(a);
    expect((await t.cache.read(['minions'], 'b', t.load)).n).toBe(4);
  });

  it('keeps at most maxRows list rows, and does not keep an answer larger than that', async () => {
    const t = setup({ maxRows: 10 });
    const rows = (n: number) => async () => ({ items: Array.from({ length: n }, (_, i) => i) });
    const a = await t.cache.read(['minions'], 'a', rows(4)); // 5 rows with the answer itself
    await t.cache.read(['minions'], 'b', rows(4));
    expect(t.cache.rows).toBe(10);
    await t.cache.read(['minions'], 'c', rows(2)); // a goes
    expect(t.cache.size).toBe(2);
    expect(t.cache.rows).toBe(8);
    expect(await t.cache.read(['minions'], 'a', rows(4))).not.toBe(a);
    await t.cache.read(['minions'], 'huge', rows(50));
    expect(t.cache.rows).toBeLessThanOrEqual(10);
    expect(t.cache.size).toBeGreaterThan(0);
    let loads = 0;
    const huge = async () => {
      loads += 1;
      return { items: Array.from({ length: 50 }, (_, i) => i) };
    };
    await t.cache.read(['minions'], 'huge', huge);
    await t.cache.read(['minions'], 'huge', huge);
    expect(loads).toBe(2);
  });

  it('reads every time when turned off, and refuses bad limits', async () => {
    const t = setup(false);
    const a = await t.cache.read(['minions'], 'k', t.load);
    expect(await t.cache.read(['minions'], 'k', t.load)).not.toBe(a);
    expect(Object.isFrozen(a)).toBe(false);
    expect(t.cache.size).toBe(0);
    const off = setup({ ttlMs: 0 });
    await off.cache.read(['minions'], 'k', off.load);
    await off.cache.read(['minions'], 'k', off.load);
    expect(off.loads()).toBe(2);
    expect(() => setup({ ttlMs: -1 })).toThrow(TypeError);
    expect(() => setup({ ttlMs: Number.NaN })).toThrow(TypeError);
    expect(() => setup({ maxEntries: 1.5 })).toThrow(TypeError);
    expect(() => setup({ maxRows: -1 })).toThrow(TypeError);
  });

  it('reads again when the clock goes backwards', async () => {
    const t = setup();
    const first = await t.cache.read(['minions'], 'k', t.load);
    t.tick(-5);
    expect(await t.cache.read(['minions'], 'k', t.load)).not.toBe(first);
  });
});

describe('codePointSuccessor', () => {
  it('is the smallest text above every text with the prefix', () => {
    expect(codePointSuccessor('web-')).toBe('web.');
    expect(codePointSuccessor('a')).toBe('b');
    expect(codePointSuccessor('wé')).toBe('wê');
    expect(codePointSuccessor('a\u{10FFFF}')).toBe('b');
    expect(codePointSuccessor('a\u{D7FF}')).toBe('a\u{E000}');
    expect(codePointSuccessor('\u{10FFFF}')).toBeNull();
    expect(codePointSuccessor('x😀')).toBe('x😁');
  });
});
