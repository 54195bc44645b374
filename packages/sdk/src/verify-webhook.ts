import { type WebhookEvent, webhookEventSchema } from '@evently/contracts';
import { Webhook } from 'standardwebhooks';

/** Why a webhook request was not taken: its signature, or a body that is no Evently event. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: 'signature' | 'payload',
    message: string,
  ) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/** Request headers as a framework hands them over: a Fetch `Headers`, or a plain object. */
export type WebhookHeaders =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

const SIGNED_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

function headerOf(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return typeof value === 'string' ? value : value?.[0];
}

/**
 * Verifies an Evently webhook request and answers its typed event. `body` is the raw request
 * body exactly as received (a string or the bytes — not re-serialised JSON: the signature is
 * over the bytes); `headers` its headers (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`); `secret` the webhook's `whsec_…` secret. Checked with the
 * `standardwebhooks` library: the signature (any of those sent, so a rotation's two both work)
 * and a timestamp within 5 minutes of now; then the body against the contract.
 * `webhook-id` is the same on every retry of a delivery: use it to drop repeats.
 * @throws WebhookVerificationError
 */
export function verifyWebhook(
  body: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string,
): WebhookEvent {
  const signed: Record<string, string> = {};
  for (const name of SIGNED_HEADERS) {
    const value = headerOf(headers, name);
    if (value !== undefined) signed[name] = value;
  }
  let parsed: unknown;
  try {
    parsed = new Webhook(secret).verify(body, signed);
  } catch (error) {
    throw new WebhookVerificationError(
      'signature',
      error instanceof Error ? error.message : 'the signature does not verify',
    );
  }
  const event = webhookEventSchema.safeParse(parsed);
  if (!event.success) {
    throw new WebhookVerificationError(
      'payload',
      `not an Evently webhook event: ${event.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return event.data;
}
