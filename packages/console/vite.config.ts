import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The reference server serves the build at `/` (HALITE_CONSOLE_DIR or the installed package) and
// the API on the same origin, so the dev server proxies `/api` to one running on :8080.
export default defineConfig({
  plugins: [react()],
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
