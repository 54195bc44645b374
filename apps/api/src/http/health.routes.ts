import type { DevMailbox } from '@evently/platform';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ServiceInfo } from '../modules/system/system.service.js';
import type { OperationsService } from '../observability/operations.service.js';
import { registerOperationsMetrics } from '../observability/operations-metrics.js';
import { type MetricsAccess, metricsGuard } from './metrics-access.js';

/** A dependency /health/ready checks; `check` throws when it is unreachable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealthRoutes(
  app: FastifyInstance,
  deps: {
    checks: ReadinessCheck[];
    info: () => ServiceInfo;
    registry: Registry;
    /** Who may scrape /metrics (METRICS_TOKEN). */
    metricsAccess: MetricsAccess;
    devMailbox: DevMailbox | undefined;
    /** Outbox lag, queue depths, job failures and mails, read at each scrape. */
    operations?: OperationsService | undefined;
  },
): void {
  if (deps.operations) registerOperationsMetrics(deps.registry, deps.operations);

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/health/ready', async (_req, reply) => {
    const results = await Promise.all(
      deps.checks.map(async (c) => [c.name, await runCheck(c)] as const),
    );
    const failing = results.filter(([, ok]) => !ok).map(([name]) => name);
    // Only names and states: a driver's error text may carry a connection string.
    const checks = Object.fromEntries(
      results.map(([name, ok]) => [name, ok ? 'ok' : 'unreachable']),
    );
    return reply
      .code(failing.length ? 503 : 200)
      .send({ status: failing.length ? 'unavailable' : 'ok', failing, checks });
  });

  app.get('/info', async () => deps.info());

  app.get('/metrics', { onRequest: metricsGuard(deps.metricsAccess) }, async (_req, reply) => {
    reply.header('content-type', deps.registry.contentType);
    return deps.registry.metrics();
  });

  const mailbox = deps.devMailbox;
  if (mailbox) {
    // Embedded mode only: where a developer reads the codes that mails would carry.
    app.get<{ Querystring: { to?: string } }>('/dev/mailbox', async (req) => ({
      mails: mailbox.list(req.query.to ? { to: req.query.to } : undefined),
    }));
  }
}
