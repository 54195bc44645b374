import { optional, urlWithProtocols } from '@evently/platform';
import { z } from 'zod';
import type { StripeConfig } from '../modules/payments/stripe-gateway.js';

/**
 * Stripe (API.md Part 2): both keys, or neither — then payments are marked by managers. The API
 * verifies the webhook and starts checkouts; the worker issues refunds. STRIPE_API_URL points
 * the library elsewhere than https://api.stripe.com (a proxy, or a local endpoint in tests).
 */
export const paymentsEnvShape = {
  STRIPE_SECRET_KEY: optional(
    z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, 'a Stripe secret key: sk_live_…'),
  ),
  STRIPE_WEBHOOK_SECRET: optional(
    z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, "the webhook's signing secret: whsec_…"),
  ),
  STRIPE_API_URL: optional(urlWithProtocols(['https:', 'http:'], 'https://api.stripe.com')),
};

type PaymentsEnv = {
  [K in keyof typeof paymentsEnvShape]?: string | undefined;
};

export function checkPaymentsEnv(env: PaymentsEnv, ctx: z.RefinementCtx): void {
  if (Boolean(env.STRIPE_SECRET_KEY) !== Boolean(env.STRIPE_WEBHOOK_SECRET)) {
    ctx.addIssue({
      code: 'custom',
      path: [env.STRIPE_SECRET_KEY ? 'STRIPE_WEBHOOK_SECRET' : 'STRIPE_SECRET_KEY'],
      message: 'Stripe needs both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (or neither)',
    });
  }
}

/** Stripe's configuration, when it is configured. */
export function stripeConfigOf(env: PaymentsEnv): StripeConfig | undefined {
  if (!env.STRIPE_SECRET_KEY || !env.STRIPE_WEBHOOK_SECRET) return undefined;
  return {
    secretKey: env.STRIPE_SECRET_KEY,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET,
    apiUrl: env.STRIPE_API_URL,
  };
}
