import { defineConfig } from 'vitest/config';

// The browser lane (`pnpm test:browser`): the built web console in Debian's Chromium
// (playwright-core, never a downloaded browser) against the reference server on SQLite and a
// real Salt lab. One lab, one server and one browser per file; files one after another.
export default defineConfig({
  resolve: { conditions: ['dev-source'] },
  // Tests run in Vite's SSR environment, which takes its conditions from here.
  ssr: { resolve: { conditions: ['dev-source'], externalConditions: ['dev-source'] } },
  test: {
    include: ['packages/console/e2e/**/*.browser.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    // beforeAll may build the console and install Salt into its cached virtualenv (first run).
    hookTimeout: 600_000,
    testTimeout: 120_000,
    // expect.poll waits on the console and the server; 1 s (vitest's default) is too short
    // for a loaded 2-core machine.
    expect: { poll: { timeout: 30_000, interval: 100 } },
    teardownTimeout: 60_000,
  },
});
