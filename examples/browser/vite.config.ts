import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

export default defineConfig({
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  // Two pages: the events with live availability, and an event's seat map.
  build: {
    rolldownOptions: { input: { main: page('index.html'), seating: page('seating.html') } },
  },
});
