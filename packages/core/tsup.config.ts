import { defineConfig } from 'tsup';

export default defineConfig({
  // `permissions` is its own entry: a browser bundle (the console) takes the matcher without Node code.
  entry: { index: 'src/index.ts', permissions: 'src/rbac/permissions.ts' },
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
});
