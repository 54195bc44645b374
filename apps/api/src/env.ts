import { randomBytes } from 'node:crypto';
import { mailEnvShape, parseEnv, platformEnvShape, retentionEnvShape } from '@evently/platform';
import { z } from 'zod';
import { authEnvShape, checkAuthEnv } from './config/auth-env.js';
import { bookingsEnvShape } from './config/bookings-env.js';
import { httpEnvShape } from './config/http-env.js';
import { checkPaymentsEnv, paymentsEnvShape } from './config/payments-env.js';
import { checkReplicaEnv, replicaEnvShape } from './config/replica-env.js';
import { checkTicketsEnv, ticketsEnvShape } from './config/tickets-env.js';
import { webhooksEnvShape } from './config/webhooks-env.js';

/**
 * The API's configuration: the fragments of the concerns it serves. `pnpm start` runs the worker
 * in the same process, so the worker's fragments are all here too.
 */
export const apiEnvSchema = z
  .object({
    ...platformEnvShape,
    ...mailEnvShape,
    ...retentionEnvShape,
    ...bookingsEnvShape,
    ...authEnvShape,
    ...httpEnvShape,
    ...replicaEnvShape,
    ...paymentsEnvShape,
    ...ticketsEnvShape,
    ...webhooksEnvShape,
  })
  .superRefine((env, ctx) => {
    checkAuthEnv(env, ctx);
    checkReplicaEnv(env, ctx);
    checkPaymentsEnv(env, ctx);
    checkTicketsEnv(env, ctx);
  });

export type ApiEnv = Omit<z.infer<typeof apiEnvSchema>, 'JWT_SECRET'> & {
  JWT_SECRET: string;
  /** True when JWT_SECRET was not given and a random one was made for this process. */
  jwtSecretGenerated: boolean;
};

/** Reads the API's configuration; throws EnvError naming the bad variable. */
export function readApiEnv(source: NodeJS.ProcessEnv = process.env): ApiEnv {
  const env = parseEnv(apiEnvSchema, source);
  // Outside production a missing secret gets a per-process random one: tokens then die with the
  // process, which is fine for a first run and never silently weak.
  return {
    ...env,
    JWT_SECRET: env.JWT_SECRET ?? randomBytes(48).toString('base64url'),
    jwtSecretGenerated: env.JWT_SECRET === undefined,
  };
}
