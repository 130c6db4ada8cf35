import { defineProject } from 'vitest/config';

// Workspace packages run from their sources (the `dev-source` export condition); tests run in
// Vite's server-side environment, which takes its conditions from `ssr.resolve`.
export default defineProject({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    name: 'http',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real-Salt tests run in their own lane: `pnpm test:salt` (vitest.salt.config.ts).
    exclude: ['**/*.salt.test.ts', '**/node_modules/**'],
    environment: 'node',
    // One PostgreSQL for the tests that run on both stores (HALITE_TEST_PG_URL, else a
    // throwaway cluster; HALITE_TEST_SKIP_PG=1 for SQLite only).
    globalSetup: ['./test/global-setup.ts'],
  },
});
