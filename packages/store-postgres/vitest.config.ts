import { defineProject } from 'vitest/config';

// The PostgreSQL conformance run: globalSetup starts a throwaway PostgreSQL 15 on loopback (or
// uses HALITE_TEST_PG_URL) and fails the run with a clear message when it cannot, unless
// HALITE_TEST_SKIP_PG=1.
export default defineProject({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    name: 'store-postgres',
    include: ['src/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./src/test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
