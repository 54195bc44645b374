import { defineProject } from 'vitest/config';

// Hooks start and stop whole apps (servers, workers, databases): on a loaded two-core machine a
// stop after a burst of 1,000 bookings has taken over a minute to drain.
// A worker runs its files one after another in one process, keeping the modules it loaded: with a
// fresh module graph per file, importing the API again cost about 1.6 s of every file's time.
// Every file builds its own app, database and Redis prefix through the composition root, so
// nothing a file needs lives in module state.
export default defineProject({
  test: { name: 'api', testTimeout: 60_000, hookTimeout: 120_000, isolate: false },
});
