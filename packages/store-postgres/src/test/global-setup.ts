import { startPostgres } from '@halite/testkit/postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL server the tests use; empty when HALITE_TEST_SKIP_PG=1. */
    pgUrl: string;
  }
}

/**
 * Start one throwaway PostgreSQL for the whole run (or use HALITE_TEST_PG_URL). When neither
 * works the run fails here with the reason, unless HALITE_TEST_SKIP_PG=1.
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
