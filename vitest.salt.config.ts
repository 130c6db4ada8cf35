import { defineConfig } from 'vitest/config';

// The real-Salt lane (`pnpm test:salt`): salt-master, minions and salt-api from PyPI on
// loopback (see docs/salt-lab.md). One lab per test file, files one after another: the labs
// are cheap to run in parallel, but the machine has 2 cores and Salt's timings are the point.
export default defineConfig({
  resolve: { conditions: ['dev-source'] },
  // Tests run in Vite's SSR environment, which takes its conditions from here.
  ssr: { resolve: { conditions: ['dev-source'], externalConditions: ['dev-source'] } },
  test: {
    include: ['packages/**/*.salt.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    // The first run installs Salt into a cached virtualenv (about a minute) inside a beforeAll.
    hookTimeout: 600_000,
    testTimeout: 90_000,
    teardownTimeout: 30_000,
  },
});
