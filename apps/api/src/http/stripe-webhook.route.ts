import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { FastifyInstance } from 'fastify';
import { toTrpcError } from '../errors/error-mapping.js';
import { AppError } from '../kernel/app-error.js';
import type { StripeWebhook } from '../modules/payments/stripe-webhook.js';

export const STRIPE_WEBHOOK_PATH = '/payments/stripe/webhook';
/** Stripe's events are a few KiB; a megabyte is room enough and no more. */
const BODY_LIMIT = 1_048_576;

/**
 * `POST /payments/stripe/webhook`, outside tRPC: Stripe signs the raw request body, so this route
 * keeps it unparsed (its own JSON parser, in its own encapsulated context, hands the bytes over).
 * Refusals answer in the API's error shape with their appCode; a 2xx tells Stripe it is handled.
 * Without Stripe configured the route answers 404 like any unknown one.
 */
export async function registerStripeWebhookRoute(
  app: FastifyInstance,
  webhook: StripeWebhook | undefined,
): Promise<void> {
  if (!webhook) return;
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
      (_req, body, done) => done(null, body),
    );
    scope.post(STRIPE_WEBHOOK_PATH, async (request, reply) => {
      const signature = request.headers['stripe-signature'];
      try {
        const outcome = await webhook.handle(
          Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
          typeof signature === 'string' ? signature : undefined,
        );
        return reply.code(200).send({ received: true, outcome });
      } catch (error) {
        const trpc = toTrpcError(error);
        const status = getHTTPStatusCodeFromError(trpc);
        const appCode =
          error instanceof AppError
            ? error.appCode
            : status === 503
              ? 'SERVICE_UNAVAILABLE'
              : 'INTERNAL';
        if (status >= 500) request.log.error({ err: error }, 'Stripe webhook failed');
        else request.log.info({ appCode, status }, 'Stripe webhook refused');
        return reply.code(status).send({
          error: {
            code: TRPC_ERROR_CODES_BY_KEY[trpc.code],
            message: error instanceof AppError ? error.message : trpc.message,
            data: { code: trpc.code, httpStatus: status, appCode, requestId: request.id },
          },
        });
      }
    });
  });
}
