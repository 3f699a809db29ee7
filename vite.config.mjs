// Builds the React renderer. Electron loads it from file://, the `lathe ui` host serves it over HTTP,
// so asset URLs are relative.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { viteLazySchemas } from './main/cli/lazy-schema-plugin.mjs';

const root = dirname(fileURLToPath(import.meta.url));

// The host (`lathe ui`) to forward /api to when developing with `vite` (default port of `lathe ui`).
const apiTarget = process.env.LATHE_HOST ?? 'http://127.0.0.1:7070';

export default defineConfig({
  root: resolve(root, 'renderer'),
  base: './',
  // The contract's zod schemas are built when first used, not as the page loads (shared/lazy-schema.ts).
  plugins: [viteLazySchemas({ root }), react()],
  build: {
    outDir: resolve(root, 'out/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: {
      // Only the host's routes: a bare '/api' prefix would also swallow the renderer's own api/ modules.
      '/api/events': { target: apiTarget.replace(/^http/, 'ws'), ws: true },
      '^/api/(invoke|upload|health)(/|\\?|$)': { target: apiTarget },
    },
  },
});
