import { defineConfig } from 'vitest/config';

// One run over every workspace package, so `pnpm test` prints a single summary.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
