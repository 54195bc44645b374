import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new signing secret in the Standard Webhooks format: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The Standard Webhooks headers of one attempt: `webhook-id` is the delivery's id (the same on
 * every retry and replay, so a receiver drops repeats), `webhook-timestamp` the attempt's time,
 * and `webhook-signature` one `v1,…` signature per secret, space-separated — during a rotation
 * both the new and the previous secret sign, so a receiver verifies with either.
 */
export function signatureHeaders(
  delivery: { id: string; body: string },
  secrets: readonly string[],
  at: Date,
): Record<string, string> {
  return {
    'webhook-id': delivery.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1_000)),
    'webhook-signature': secrets
      .map((secret) => new Webhook(secret).sign(delivery.id, at, delivery.body))
      .join(' '),
  };
}
