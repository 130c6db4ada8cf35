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
  },
});
