import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-browser',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // One page test at a time: each starts its own server, build and Chromium.
    fileParallelism: false,
  },
});
