import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { ProcedureMetrics } from '../kernel/metrics.js';

export interface ApiMetrics extends ProcedureMetrics {
  registry: Registry;
}

/** A registry per server (not prom-client's global one) so two servers in one test stay apart. */
export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'evently_procedure_duration_seconds',
    help: 'tRPC procedure duration by procedure and outcome (ok or the appCode)',
    labelNames: ['procedure', 'type', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    registry,
    observe(procedure, type, outcome, seconds) {
      duration.observe({ procedure, type, outcome }, seconds);
    },
  };
}
