import { startPostgres } from '@halite/testkit/postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL server the tests use; empty when HALITE_TEST_SKIP_PG=1. */
    pgUrl: string;
  }
}

/**
 * One throwaway PostgreSQL for the whole run (or HALITE_TEST_PG_URL), for the tests that run on
 * both stores; each such test file works in its own schema. HALITE_TEST_SKIP_PG=1 leaves those
 * tests on SQLite only.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.HALITE_TEST_SKIP_PG === '1') {
    project.provide('pgUrl', '');
    return undefined;
  }
  const server = await startPostgres({ fast: true });
  project.provide('pgUrl', server.url);
  return () => server.stop();
}
