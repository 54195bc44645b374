import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './vitest.slow-first.js';

// One run over every workspace package, so `pnpm test` prints a single summary.
export default defineConfig({
  test: {
    // The console's browser tests are a CI step of their own (they start `pnpm start` and Chromium).
    projects: ['packages/*', 'apps/*', '!apps/console'],
    // Files run in parallel. Vitest's default on a 2-core machine is one worker (cores - 1), but
    // most files wait on Postgres, Redis and child processes rather than the CPU: 4 workers took
    // the suite from 650 s to 360 s here. Every test is written to pass on a loaded machine.
    maxWorkers: 4,
    // `isolate: false` is set in apps/api/vitest.config.ts: a project given by its folder does not
    // inherit the root's test options, so set here it did nothing.
    sequence: { sequencer: SlowFirstSequencer },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
