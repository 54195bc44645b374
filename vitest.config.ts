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
    sequence: { sequencer: SlowFirstSequencer },
    // Per-file options (timeouts, `isolate`) live in each project's own vitest.config.ts: a
    // project named by its folder does not inherit the root's test options.
  },
});
