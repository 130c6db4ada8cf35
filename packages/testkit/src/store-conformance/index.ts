import { describe } from 'vitest';
import { activitySuite } from './activity.js';
import { auditSuite } from './audit.js';
import { Harness } from './harness.js';
import { jobSuite } from './jobs.js';
import { lifecycleSuite } from './lifecycle.js';
import { minionSuite } from './minions.js';
import { roleSuite } from './roles.js';
import { settingsSuite } from './settings.js';
import type { StoreConformanceTarget } from './types.js';
import { userSuite } from './users.js';

export type { ConformanceStoreOptions, StoreConformanceTarget, StoreFixture } from './types.js';

/**
 * The Store conformance suite: every Store method, paging edges, unicode, large JSON,
 * concurrent writers, a database failure in the middle of a batch, bad input. Every Store
 * implementation runs it, the two bundled ones and any third-party adapter.
 *
 * @example
 * ```ts
 * // my-store.test.ts
 * describeStoreConformance({
 *   name: 'libsql',
 *   async open(options) {
 *     const store = await createLibsqlStore({ url: ':memory:', ...options });
 *     return { store, exec: …, failWritesWhere: …, dispose: () => store.close() };
 *   },
 * });
 * ```
 */
export function describeStoreConformance(target: StoreConformanceTarget): void {
  describe(`Store conformance: ${target.name}`, () => {
    const h = new Harness(target);
    lifecycleSuite(h);
    minionSuite(h);
    jobSuite(h);
    activitySuite(h);
    settingsSuite(h);
    userSuite(h);
    roleSuite(h);
    auditSuite(h);
  });
}
