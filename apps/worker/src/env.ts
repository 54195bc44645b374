import {
  bookingsEnvShape,
  checkPaymentsEnv,
  checkTicketsEnv,
  paymentsEnvShape,
  ticketsEnvShape,
  webhooksEnvShape,
} from '@evently/api';
import { mailEnvShape, parseEnv, platformEnvShape, retentionEnvShape } from '@evently/platform';
import { z } from 'zod';

/** The worker's configuration: the same fragments the API composes, for what the worker does. */
export const workerEnvSchema = z
  .object({
    ...platformEnvShape,
    ...mailEnvShape,
    ...retentionEnvShape,
    // The worker expires holds and makes waitlist offers.
    ...bookingsEnvShape,
    // The worker issues Stripe refunds.
    ...paymentsEnvShape,
    // The worker signs the tickets the confirmation mail carries.
    ...ticketsEnvShape,
    // The worker delivers webhooks (and checks every address it connects to).
    ...webhooksEnvShape,
  })
  .superRefine((env, ctx) => {
    checkPaymentsEnv(env, ctx);
    checkTicketsEnv(env, ctx);
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
