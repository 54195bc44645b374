import { parseEnv, platformEnvShape } from '@evently/platform';
import { z } from 'zod';

const minutes = (fallback: number) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : Number(v)),
    z
      .number({ error: 'must be a whole number of minutes' })
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(fallback),
  );

const workerEnvSchema = z
  .object({
    ...platformEnvShape,
    // The worker expires holds and makes waitlist offers, so it needs the same durations as the API.
    BOOKING_HOLD_MINUTES: minutes(15),
    WAITLIST_OFFER_MINUTES: minutes(30),
  })
  .superRefine((env, ctx) => {
    // A separate worker must share its database and queue with the API processes.
    for (const name of ['DATABASE_URL', 'REDIS_URL'] as const) {
      if (!env[name]) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'is required by start:worker (use `pnpm start` for the embedded mode)',
        });
      }
    }
  });

export type WorkerEnv = z.infer<typeof workerEnvSchema>;

/** Reads the worker's configuration; throws EnvError naming the bad variable. */
export function readWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return parseEnv(workerEnvSchema, source);
}
