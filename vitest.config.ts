import { defineConfig } from 'vitest/config';

// The default lane: unit tests and the store conformance suite (SQLite, and PostgreSQL when
// one is reachable or can be started here). Real Salt runs in its own lane: vitest.salt.config.ts.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts'],
  },
});
