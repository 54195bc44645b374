import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-python-rest', testTimeout: 120_000, hookTimeout: 120_000 },
});
