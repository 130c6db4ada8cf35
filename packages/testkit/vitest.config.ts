import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  // Tests run in Vite's server-side environment, which takes its conditions from `ssr.resolve`.
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    name: 'testkit',
    include: ['src/**/*.test.ts'],
    // Real-Salt tests run in their own lane: `pnpm test:salt` (vitest.salt.config.ts).
    exclude: ['**/*.salt.test.ts', '**/node_modules/**'],
    environment: 'node',
  },
});
