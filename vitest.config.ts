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
    // A worker runs its files one after another in one process, keeping the modules it loaded:
    // with a fresh module graph per file, importing the API again took 442 of 788 s of a CI run
    // (237 files); without, 48 of 596 s. Every file builds its own app, database and Redis
    // prefix through the composition root, so nothing a file needs lives in module state.
    isolate: false,
    sequence: { sequencer: SlowFirstSequencer },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
