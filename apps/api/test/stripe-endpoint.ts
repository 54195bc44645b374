import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { StripeConfig } from '../src/modules/payments/stripe-gateway.js';
import { decodeForm, hashOf, headersOf, readBody, wholeNumber } from './stripe-form.js';
import { type PaymentIntentObject, type RefundObject, stripeId } from './stripe-webhooks.js';

// A local stand-in for api.stripe.com: the official library is pointed at it (its host, port and
// protocol options; STRIPE_API_URL for processes), it records exactly what the library sends, and
// it answers as Stripe's API reference documents — PaymentIntents, refunds, idempotency keys
// (https://docs.stripe.com/api/idempotent_requests), errors. Stripe itself is not reachable here.

export {
  checkoutSessionCompleted,
  deliver,
  type PaymentIntentObject,
  paymentIntentSucceeded,
  type RefundObject,
  type SignedDelivery,
  STRIPE_WEBHOOK_ROUTE,
  type StripeEventObject,
  signedDelivery,
  stripeId,
} from './stripe-webhooks.js';

/** One request as it arrived, and what was answered. */
export interface RecordedCall {
  method: string;
  /** Without the query string. */
  path: string;
  /** Header names lower-cased, as Node reads them. */
  headers: Record<string, string>;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  stripeVersion: string | undefined;
  contentType: string | undefined;
  rawBody: string;
  /** The form body with keys as sent: `metadata[evently_booking_id]`, `automatic_payment_methods[enabled]`. */
  form: Record<string, string>;
  status: number;
  /** Answered from the idempotency store (Stripe's `Idempotent-Replayed: true`). */
  replayed: boolean;
}

interface Answer {
  status: number;
  body: unknown;
}

export interface StripeEndpoint {
  url: string;
  secretKey: string;
  webhookSecret: string;
  /** For `startTestApp({ stripe })`. */
  config: StripeConfig;
  /** STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_API_URL, for processes. */
  env: Record<string, string>;
  /** Every request so far, in arrival order. */
  readonly calls: readonly RecordedCall[];
  callsTo(method: string, path: string): RecordedCall[];
  paymentIntent(id: string): PaymentIntentObject | undefined;
  /** Refunds made (one per idempotency key, however often it was sent). */
  refunds(): RefundObject[];
  /**
   * The next `n` calls (to `path`, or to any) fail with 500 `api_error`, before Stripe did
   * anything: nothing is created and nothing kept under their idempotency key.
   */
  failNext(n: number, options?: { path?: string }): void;
  /** The next `n` calls (to `path`, or to any) are refused: 400 `invalid_request_error`. */
  refuseNext(message: string, options?: { n?: number; path?: string }): void;
  /**
   * Answers calls (to `path`, or to any) `ms` late, after doing what they ask: a caller killed
   * meanwhile made the object without hearing so (its retry gets it under the same key).
   */
  answerLate(ms: number, options?: { path?: string }): void;
  /** Refunds are answered `pending` (as for some payment methods) until told otherwise. */
  setRefundStatus(status: RefundObject['status']): void;
  /** Sets a refund's status, as Stripe does when it settles one it left pending. */
  settleRefund(id: string, status: RefundObject['status']): void;
  /** The buyer paid (Stripe.js `confirmPayment`): the PaymentIntent succeeds, as a webhook reports it. */
  pay(paymentIntentId: string): PaymentIntentObject;
  close(): Promise<void>;
}

const seconds = () => Math.floor(Date.now() / 1000);

function invalid(message: string, extra: Record<string, string> = {}): Answer {
  return { status: 400, body: { error: { type: 'invalid_request_error', message, ...extra } } };
}

function missing(kind: string, id: string, param: string): Answer {
  return {
    status: 404,
    body: {
      error: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param,
        message: `No such ${kind}: '${id}'`,
      },
    },
  };
}

/**
 * Starts the endpoint on a free loopback port. `secretKey` is the only key it accepts (401
 * otherwise, as Stripe answers an unknown key).
 */
export async function startStripeEndpoint(): Promise<StripeEndpoint> {
  const secretKey = `sk_test_${randomBytes(18).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')}`;
  const calls: RecordedCall[] = [];
  const intents = new Map<string, PaymentIntentObject>();
  const refunds = new Map<string, RefundObject>();
  /** Idempotency key → the request it was first used with and what was answered. */
  const idempotent = new Map<string, { request: string; answer: Answer }>();
  const failures: Array<{ path: string | undefined }> = [];
  const refusals: Array<{ path: string | undefined; message: string }> = [];
  let refundStatus: RefundObject['status'] = 'succeeded';

  function createIntent(form: Record<string, string>): Answer {
    const amount = wholeNumber(form.amount);
    if (amount === undefined || amount < 1) {
      return invalid('Missing required param: amount.', {
        code: 'parameter_missing',
        param: 'amount',
      });
    }
    if (!form.currency || !/^[a-zA-Z]{3}$/.test(form.currency)) {
      return invalid('Invalid currency.', { param: 'currency' });
    }
    const id = stripeId('pi');
    const intent: PaymentIntentObject = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods:
        form['automatic_payment_methods[enabled]'] === undefined
          ? null
          : { enabled: form['automatic_payment_methods[enabled]'] === 'true' },
      client_secret: `${id}_secret_${stripeId('x').slice(2)}`,
      created: seconds(),
      currency: form.currency.toLowerCase(),
      description: form.description ?? null,
      latest_charge: null,
      livemode: false,
      metadata: hashOf(form, 'metadata'),
      payment_method: null,
      status: 'requires_payment_method',
    };
    intents.set(id, intent);
    return { status: 200, body: intent };
  }

  function refunded(paymentIntentId: string): number {
    return [...refunds.values()]
      .filter((r) => r.payment_intent === paymentIntentId)
      .reduce((sum, r) => sum + r.amount, 0);
  }

  function createRefund(form: Record<string, string>): Answer {
    const piId = form.payment_intent;
    if (!piId) {
      return invalid(
        'One of the following params should be provided for this request: payment_intent or charge.',
      );
    }
    const intent = intents.get(piId);
    if (!intent) return missing('payment_intent', piId, 'payment_intent');
    if (intent.status !== 'succeeded' || !intent.latest_charge) {
      return invalid(`This PaymentIntent (${piId}) does not have a successful charge to refund.`);
    }
    const left = intent.amount_received - refunded(piId);
    const amount = form.amount === undefined ? left : wholeNumber(form.amount);
    if (amount === undefined || amount < 1)
      return invalid('Invalid positive integer', { param: 'amount' });
    if (amount > left) {
      return invalid(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
        { code: 'amount_too_large', param: 'amount' },
      );
    }
    const refund: RefundObject = {
      id: stripeId('re'),
      object: 'refund',
      amount,
      balance_transaction: stripeId('txn'),
      charge: intent.latest_charge,
      created: seconds(),
      currency: intent.currency,
      metadata: hashOf(form, 'metadata'),
      payment_intent: piId,
      reason: form.reason ?? null,
      status: refundStatus,
    };
    refunds.set(refund.id, refund);
    return { status: 200, body: refund };
  }

  function route(method: string, path: string, form: Record<string, string>): Answer {
    if (method === 'POST' && path === '/v1/payment_intents') return createIntent(form);
    if (method === 'POST' && path === '/v1/refunds') return createRefund(form);
    const get = /^\/v1\/(payment_intents|refunds)\/([A-Za-z0-9_]+)$/.exec(path);
    if (method === 'GET' && get?.[1] && get[2]) {
      const found = get[1] === 'refunds' ? refunds.get(get[2]) : intents.get(get[2]);
      if (found) return { status: 200, body: found };
      return missing(get[1] === 'refunds' ? 'refund' : 'payment_intent', get[2], 'id');
    }
    return {
      status: 404,
      body: {
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${method}: ${path}).`,
        },
      },
    };
  }

  /** The first queued failure or refusal meant for `path`, taken off its queue. */
  function take<T extends { path: string | undefined }>(queue: T[], path: string): T | undefined {
    const index = queue.findIndex(
      (entry) => entry.path === undefined || path.startsWith(entry.path),
    );
    return index === -1 ? undefined : queue.splice(index, 1)[0];
  }

  /** Stripe's order: its own failure, the key, a saved idempotent answer, then the request. */
  function answer(call: Omit<RecordedCall, 'status' | 'replayed'>): Answer & { replayed: boolean } {
    if (take(failures, call.path)) {
      return {
        status: 500,
        body: { error: { type: 'api_error', message: 'An unknown error occurred' } },
        replayed: false,
      };
    }
    if (call.authorization !== `Bearer ${secretKey}`) {
      return {
        status: 401,
        body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } },
        replayed: false,
      };
    }
    // Idempotency keys apply to POST (GET is idempotent by definition).
    const key = call.method === 'POST' ? call.idempotencyKey : undefined;
    const request = `${call.method} ${call.path} ${call.rawBody}`;
    const saved = key === undefined ? undefined : idempotent.get(key);
    if (saved) {
      if (saved.request !== request) {
        return {
          status: 400,
          body: {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          },
          replayed: false,
        };
      }
      return { ...saved.answer, replayed: true };
    }
    const refusal = take(refusals, call.path);
    const result = refusal
      ? invalid(refusal.message)
      : route(call.method, call.path, decodeForm(call.rawBody));
    if (key !== undefined) idempotent.set(key, { request, answer: result });
    return { ...result, replayed: false };
  }

  const late: { ms: number; path?: string | undefined } = { ms: 0 };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://stripe.local');
    const headers = headersOf(request);
    const base = {
      method: request.method ?? 'GET',
      path: url.pathname,
      headers,
      authorization: headers.authorization,
      idempotencyKey: headers['idempotency-key'],
      stripeVersion: headers['stripe-version'],
      contentType: headers['content-type'],
      rawBody,
      form: decodeForm(rawBody),
    };
    const { status, body, replayed } = answer(base);
    calls.push({ ...base, status, replayed });
    if (late.ms > 0 && (late.path === undefined || late.path === base.path)) {
      await new Promise((resolve) => setTimeout(resolve, late.ms));
    }
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'request-id': stripeId('req', 14),
      'stripe-version': base.stripeVersion ?? Stripe.API_VERSION,
      ...(base.idempotencyKey !== undefined && { 'idempotency-key': base.idempotencyKey }),
      ...(replayed && { 'idempotent-replayed': 'true' }),
    });
    response.end(text);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    secretKey,
    webhookSecret,
    config: { secretKey, webhookSecret, apiUrl: url },
    env: {
      STRIPE_SECRET_KEY: secretKey,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_URL: url,
    },
    get calls() {
      return calls;
    },
    callsTo: (method, path) => calls.filter((c) => c.method === method && c.path === path),
    paymentIntent: (id) => intents.get(id),
    refunds: () => [...refunds.values()],
    answerLate(ms, options = {}) {
      late.ms = ms;
      late.path = options.path;
    },
    failNext(n, options = {}) {
      for (let i = 0; i < n; i++) failures.push({ path: options.path });
    },
    refuseNext(message, options = {}) {
      for (let i = 0; i < (options.n ?? 1); i++) refusals.push({ path: options.path, message });
    },
    setRefundStatus(status) {
      refundStatus = status;
    },
    settleRefund(id, status) {
      const refund = refunds.get(id);
      if (!refund) throw new Error(`no refund ${id} at the endpoint`);
      refund.status = status;
    },
    pay(paymentIntentId) {
      const intent = intents.get(paymentIntentId);
      if (!intent) throw new Error(`no PaymentIntent ${paymentIntentId} at the endpoint`);
      intent.status = 'succeeded';
      intent.amount_received = intent.amount;
      intent.latest_charge = stripeId('ch');
      intent.payment_method = stripeId('pm');
      return structuredClone(intent);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
