import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'console',
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // One browser test at a time: each starts `pnpm start` and Chromium.
    fileParallelism: false,
  },
});
