import { defineProject } from 'vitest/config';

// Hooks start and stop whole apps (servers, workers, databases): on a loaded two-core machine a
// stop after a burst of 1,000 bookings has taken over a minute to drain.
export default defineProject({ test: { name: 'api', testTimeout: 60_000, hookTimeout: 120_000 } });
