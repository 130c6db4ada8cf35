import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  test: { name: 'core', include: ['src/**/*.test.ts'], environment: 'node' },
});
