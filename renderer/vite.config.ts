import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer: one build for the Electron window and for the hub's web UI (served at /).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The hub's CSP allows no inline script or style: keep every asset a file.
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev:renderer`: the page on :5173, the API proxied to a hub on :8000.
    proxy: {
      '^/(auth|rooms|jack|ws|health)': {
        target: 'https://localhost:8000',
        secure: false,
        ws: true,
        // The hub takes its cookie only from its own origin (scheme, host and port): the dev
        // server stands in for the hub's own page.
        changeOrigin: true,
        headers: { origin: 'https://localhost:8000' },
      },
    },
  },
});
