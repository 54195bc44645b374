import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * A tiny stand-in for api.stripe.com, for the examples' tests: Stripe itself is not reachable
 * from a test, and the API's official `stripe` library is pointed here with STRIPE_API_URL. It
 * answers `POST /v1/payment_intents` (one PaymentIntent per idempotency key, as Stripe does) and
 * `POST /v1/refunds`, and keeps what it was sent. It takes no payment: that is reported to the
 * API by a signed webhook (see examples/payments).
 */
export interface StripeStub {
  /** STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_API_URL for `startEmbeddedApi({ env })`. */
  env: Record<string, string>;
  /** The webhook signing secret the API verifies with (`whsec_…`). */
  webhookSecret: string;
  /** The PaymentIntents created so far: the form fields the library sent, and its headers. */
  readonly paymentIntents: readonly StubbedIntent[];
  close(): Promise<void>;
}

export interface StubbedIntent {
  id: string;
  /** The form body as sent: `amount`, `currency`, `metadata[evently_booking_id]`, … */
  form: Record<string, string>;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
}

const token = (bytes: number) => randomBytes(bytes).toString('hex');

async function formOf(request: IncomingMessage): Promise<Record<string, string>> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return Object.fromEntries(new URLSearchParams(body));
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'request-id': `req_${token(7)}`,
  });
  response.end(JSON.stringify(body));
}

export async function startStripeStub(): Promise<StripeStub> {
  const secretKey = `sk_test_${token(12)}`;
  const webhookSecret = `whsec_${token(16)}`;
  const intents: StubbedIntent[] = [];
  const byKey = new Map<string, unknown>();

  const server = createServer((request, response) => {
    void (async () => {
      const form = await formOf(request);
      const header = (name: string) => {
        const value = request.headers[name];
        return typeof value === 'string' ? value : undefined;
      };
      const key = header('idempotency-key');
      const kept = key ? byKey.get(`${request.url} ${key}`) : undefined;
      if (kept) return answer(response, 200, kept);
      const created = Math.floor(Date.now() / 1000);
      let body: unknown;
      if (request.method === 'POST' && request.url === '/v1/payment_intents') {
        const id = `pi_${token(12)}`;
        intents.push({ id, form, idempotencyKey: key, authorization: header('authorization') });
        const metadata: Record<string, string> = {};
        for (const [name, value] of Object.entries(form)) {
          const field = /^metadata\[(.+)\]$/.exec(name)?.[1];
          if (field) metadata[field] = value;
        }
        body = {
          id,
          object: 'payment_intent',
          amount: Number(form.amount),
          amount_received: 0,
          currency: form.currency,
          description: form.description ?? null,
          metadata,
          client_secret: `${id}_secret_${token(12)}`,
          status: 'requires_payment_method',
          livemode: false,
          created,
        };
      } else if (request.method === 'POST' && request.url === '/v1/refunds') {
        body = {
          id: `re_${token(12)}`,
          object: 'refund',
          amount: Number(form.amount),
          payment_intent: form.payment_intent,
          status: 'succeeded',
          created,
        };
      } else {
        const message = `The stub knows no ${request.method} ${request.url}`;
        return answer(response, 404, { error: { type: 'invalid_request_error', message } });
      }
      if (key) byKey.set(`${request.url} ${key}`, body);
      return answer(response, 200, body);
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    env: {
      STRIPE_SECRET_KEY: secretKey,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_URL: `http://127.0.0.1:${address.port}`,
    },
    webhookSecret,
    paymentIntents: intents,
    close: async () => {
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
}
