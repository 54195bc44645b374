import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the API at /console from `dist/` (no CDN: everything is in the build); in
// development by Vite, which passes the API's paths on to EVENTLY_API_URL.
const api = process.env.EVENTLY_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    port: 5174,
    proxy: { '/trpc': { target: api, ws: false }, '/api': api, '/health': api },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
});
