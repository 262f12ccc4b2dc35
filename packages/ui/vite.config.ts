// Builds the single-page app into dist/: index.html plus content-hashed files under dist/assets/, which the
// query service serves with long cache lifetimes (see packages/query/src/http/static.ts).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    // `npm run dev -w packages/ui` against a query service on its default port.
    proxy: { '/api': process.env.SKEIN_QUERY_URL ?? 'http://127.0.0.1:16686' },
  },
});
