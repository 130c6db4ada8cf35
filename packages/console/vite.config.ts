import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// A build is always a production build, even when started from a test runner that exported
// NODE_ENV=test (React's development build would ship otherwise, five times larger).
if (process.argv.includes('build') || process.env.npm_lifecycle_event === 'build') {
  process.env.NODE_ENV = 'production';
}

// The reference server serves the build at `/` (HALITE_CONSOLE_DIR or the installed package) and
// the API on the same origin, so the dev server proxies `/api` to one running on :8080.
export default defineConfig({
  plugins: [react()],
  // Workspace packages are read from their sources, so the console builds without building them.
  resolve: { conditions: ['dev-source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/api': { target: process.env.HALITE_API_URL ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
