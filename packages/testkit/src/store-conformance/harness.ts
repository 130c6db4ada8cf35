import { type Store, StoreError, type StoreErrorKind } from '@halite/core';
import { afterEach, expect } from 'vitest';
import type { ConformanceStoreOptions, StoreConformanceTarget, StoreFixture } from './types.js';

/** A clock the tests move by hand. */
export class TestClock {
  #ms: number;
  constructor(iso = '2025-06-01T12:00:00.000Z') {
    this.#ms = Date.parse(iso);
  }
  /** The current time. */
  now = (): Date => new Date(this.#ms);
  /** The current time as an ISO string. */
  iso(): string {
    return new Date(this.#ms).toISOString();
  }
  /** Move forward. */
  advance(ms: number): string {
    this.#ms += ms;
    return this.iso();
  }
}

/** Per-test access to a fresh fixture; everything opened is disposed after each test. */
export class Harness {
  readonly #target: StoreConformanceTarget;
  readonly #open: StoreFixture[] = [];
  readonly #extra: Store[] = [];

  constructor(target: StoreConformanceTarget) {
    this.#target = target;
    afterEach(async () => {
      for (const store of this.#extra.splice(0)) await store.close().catch(() => undefined);
      for (const fixture of this.#open.splice(0)) await fixture.dispose();
    });
  }

  /** Whether the target can open a second Store on the same database. */
  async open(options: ConformanceStoreOptions = {}): Promise<StoreFixture> {
    const fixture = await this.#target.open(options);
    this.#open.push(fixture);
    return fixture;
  }

  /** A fresh store with a test clock. */
  async store(
    options: ConformanceStoreOptions = {},
  ): Promise<{ store: Store; clock: TestClock; fixture: StoreFixture }> {
    const clock = new TestClock();
    const fixture = await this.open({ now: clock.now, ...options });
    return { store: fixture.store, clock, fixture };
  }

  /** A second store on the fixture's database, closed after the test. */
  async another(
    fixture: StoreFixture,
    options?: ConformanceStoreOptions & { migrate?: boolean },
  ): Promise<Store> {
    if (!fixture.openAnother) throw new Error('this target cannot open a second store');
    const store = await fixture.openAnother(options);
    this.#extra.push(store);
    return store;
  }
}

/** Await a rejection and check it is a StoreError of `kind` (with code `store_error`). */
export async function expectStoreError(promise: Promise<unknown>, kind: StoreErrorKind): Promise<StoreError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok)
    throw new Error(
      `expected a StoreError of kind ${kind}, but it resolved with ${JSON.stringify(outcome.value)}`,
    );
  const error = outcome.error;
  expect(error).toBeInstanceOf(StoreError);
  const storeError = error as StoreError;
  expect({ kind: storeError.kind, code: storeError.code }, storeError.message).toEqual({
    kind,
    code: 'store_error',
  });
  return storeError;
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Zero-padded index, so ids sort as numbers. */
export const pad = (n: number, width = 5) => String(n).padStart(width, '0');
