import { defineProject } from 'vitest/config';

// Unit tests of the console's pure code (permission matching, formatting, parsing) and the
// check that the committed API types match the routes. Browser tests live in e2e/.
export default defineProject({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    name: 'console',
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
