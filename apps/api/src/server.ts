import { SEATING_PLAN_MAX_BYTES } from '@evently/contracts';
import type { DevMailbox } from '@evently/platform';
import cors from '@fastify/cors';
import type { AnyTRPCRouter } from '@trpc/server';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { trpcCodeFor } from './errors/error-mapping.js';
import { registerApiDocs } from './http/api-docs.routes.js';
import { registerConsole } from './http/console.routes.js';
import {
  clientErrorHandler,
  errorEnvelope,
  frameworkErrors,
  httpErrorHandler,
  notFound,
} from './http/error-answers.js';
import { type ReadinessCheck, registerHealthRoutes } from './http/health.routes.js';
import type { MetricsAccess } from './http/metrics-access.js';
import { openApiDocument, REST_PREFIX } from './http/openapi-document.js';
import { requestIdFor } from './http/request-id.js';
import { requestLogger } from './http/request-log.js';
import { registerRestRoutes } from './http/rest-route.js';
import { securityHeaders } from './http/security-headers.js';
import { registerStripeWebhookRoute } from './http/stripe-webhook.route.js';
import { registerTicketKeysRoute } from './http/ticket-keys.route.js';
import { registerTrpcRoute } from './http/trpc-route.js';
import { AppError } from './kernel/app-error.js';
import type { StripeWebhook } from './modules/payments/stripe-webhook.js';
import { type ApiMetrics, createApiMetrics } from './observability/metrics.js';
import { appRouter } from './router.js';
import type { Services } from './services.js';
import { identify } from './trpc/caller.js';
import type { Context } from './trpc/context.js';

export const MAX_BATCH_SIZE = 50;

export interface ServerConfig {
  host: string;
  port: number;
  corsOrigins: string[];
  /** Fastify's trustProxy: false, true, a hop count, or proxy addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  /** Who may scrape /metrics (see metrics-access.ts); closed when not given. */
  metrics?: MetricsAccess;
  /** False sends plain JSON calls through tRPC's Fetch adapter too (see trpc-route.ts). */
  plainCallsDirect?: boolean;
  /** PUBLIC_URL: the first server of the OpenAPI document when set. */
  publicUrl?: string | undefined;
  /** The console's build served at /console (CONSOLE_DIR); none: /console is not served. */
  consoleDir?: string | undefined;
}

export interface ServerDeps {
  config: ServerConfig;
  log: FastifyBaseLogger;
  services: Services;
  checks: ReadinessCheck[];
  devMailbox?: DevMailbox | undefined;
  metrics?: ApiMetrics;
  /** Tests mount extra procedures beside the app's; production always serves `appRouter`. */
  router?: AnyTRPCRouter;
  /** `POST /payments/stripe/webhook`, when Stripe is configured. */
  stripeWebhook?: StripeWebhook | undefined;
}

export interface ApiServer {
  app: FastifyInstance;
  /** Listens; resolves with the base URL. */
  start(): Promise<string>;
  /** Stops accepting, drains in-flight requests, closes. */
  stop(): Promise<void>;
}

/** A hop count becomes "trust the nearest N hops"; Fastify's types take only a function for it. */
function fastifyTrustProxy(trust: ServerConfig['trustProxy']) {
  return typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;
}

function bearerToken(header: string | undefined): string | null {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1] ?? null;
}

export async function createServer(deps: ServerDeps): Promise<ApiServer> {
  const metrics = deps.metrics ?? createApiMetrics();
  const app = Fastify({
    loggerInstance: requestLogger(deps.log),
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    trustProxy: fastifyTrustProxy(deps.config.trustProxy),
    routerOptions: { maxParamLength: 5000 },
    // Our own 503 below: Fastify's carries no appCode.
    return503OnClosing: false,
    frameworkErrors,
    clientErrorHandler,
  });
  app.setErrorHandler(httpErrorHandler);
  app.setNotFoundHandler(notFound);

  // Hooks take callbacks, not promises: they run on every request, kept answers included.
  let closing = false;
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    // A request on a kept-alive connection while draining: refused, retryable elsewhere.
    if (closing) {
      reply.code(503).send(errorEnvelope(503, req.id));
      return;
    }
    done();
  });
  // While draining, answers close their keep-alive connection, or the close would wait for it.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // helmet's headers (CSP aside: the API serves no HTML), worked out once (security-headers.ts).
  const secure = securityHeaders({ contentSecurityPolicy: false });
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(secure);
    done();
  });
  await app.register(cors, {
    origin: deps.config.corsOrigins.length ? deps.config.corsOrigins : false,
    allowedHeaders: [
      'authorization',
      'content-type',
      'x-request-id',
      'trpc-accept',
      'last-event-id',
    ],
    exposedHeaders: ['x-request-id'],
  });

  registerHealthRoutes(app, {
    checks: deps.checks,
    info: () => deps.services.system.info(),
    registry: metrics.registry,
    metricsAccess: deps.config.metrics ?? { kind: 'closed' },
    devMailbox: deps.devMailbox,
    operations: deps.services.operations,
  });

  // One context for every transport (tRPC, REST): the same principal, limits, log, request id.
  const createContext = (req: FastifyRequest): Context => ({
    requestId: req.id,
    ip: req.ip,
    userAgent: req.headers['user-agent'] ?? null,
    bearerToken: bearerToken(req.headers.authorization),
    principal: null,
    log: req.log,
    metrics,
    services: deps.services,
  });

  await registerStripeWebhookRoute(app, deps.stripeWebhook);
  registerTicketKeysRoute(app, deps.services.tickets);
  registerTrpcRoute(app, {
    prefix: '/trpc',
    router: deps.router ?? appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    largeBodies: { 'seating.setPlan': SEATING_PLAN_MAX_BYTES },
    // Only what the procedure would answer 401 (a dependency down answers there, not here).
    refusal: (token) =>
      identify(deps.services, token, { uncounted: true }).then(
        () => undefined,
        (error: unknown) =>
          error instanceof AppError && trpcCodeFor[error.appCode] === 'UNAUTHORIZED'
            ? { appCode: error.appCode, message: error.message }
            : undefined,
      ),
    ...(deps.config.plainCallsDirect === false && { plainCallsDirect: false }),
    kept: {
      answers: deps.services.publicAnswers,
      reads: deps.services.anonymousReads,
      metrics,
    },
    createContext,
  });
  // The same procedures as REST under /api/v1, described by the OpenAPI document (at start-up).
  const router = deps.router ?? appRouter;
  const restRoutes = await registerRestRoutes(app, { prefix: REST_PREFIX, router, createContext });
  await registerApiDocs(
    app,
    openApiDocument(router, {
      version: deps.services.system.info().version,
      publicUrl: deps.config.publicUrl,
      routes: restRoutes,
    }),
  );

  if (deps.config.consoleDir) await registerConsole(app, deps.config.consoleDir);

  return {
    app,
    async start() {
      return app.listen({ host: deps.config.host, port: deps.config.port });
    },
    async stop() {
      closing = true;
      // Live streams never finish by themselves: end them (clients reconnect elsewhere) so the
      // drain can.
      deps.services.streams.close();
      await app.close();
    },
  };
}
