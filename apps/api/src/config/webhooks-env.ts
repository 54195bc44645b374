import { z } from 'zod';

/**
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS (API.md Part 2): `true` lets webhooks deliver to loopback,
 * private, link-local and metadata addresses (a private deployment, tests); unset or `false`
 * refuses them at creation and on every attempt. Read by the API (it checks URLs at creation)
 * and the worker (it checks every attempt): one definition for both. Only the two words: a typo
 * must not open the private network.
 */
export const webhooksEnvShape = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.preprocess(
    (v) => (v === '' || v === undefined ? 'false' : v),
    z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true'),
  ),
};
