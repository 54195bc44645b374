import { Counter, Gauge, type Registry } from 'prom-client';
import type { OperationsService, OperationsSnapshot } from './operations.service.js';

/** Scrapes closer together than this share one snapshot (several metrics read it per scrape). */
const SNAPSHOT_TTL_MS = 1_000;

const QUEUE_STATES = ['waiting', 'active', 'delayed'] as const;

/**
 * Operational metrics, read at scrape time from the shared state (not counted in this process),
 * so /metrics of any API instance shows the whole deployment, the separate worker included:
 * - `evently_outbox_lag_seconds`, `evently_outbox_unrelayed_events`: how far the relay is behind;
 * - `evently_queue_jobs{queue,state}`: queue depths (waiting, active, delayed);
 * - `evently_jobs_failed{queue}`: job failures — jobs that failed their last try (the queue
 *   keeps them 7 days; a consumer's failed event is also enqueued again by the reconciler);
 * - `evently_mails_sent_total`, `evently_mails{status}`: mails sent, waiting (pending, retries
 *   included) and dead letters;
 * - `evently_operations_up{part}`: 0 when a part could not be read (its metrics are then absent).
 */
export function registerOperationsMetrics(registry: Registry, source: OperationsService): void {
  let cached: { at: number; snapshot: Promise<OperationsSnapshot> } | undefined;
  const snapshot = () => {
    if (!cached || Date.now() - cached.at > SNAPSHOT_TTL_MS) {
      cached = { at: Date.now(), snapshot: source.snapshot() };
    }
    return cached.snapshot;
  };
  const registers = [registry];

  new Gauge({
    name: 'evently_outbox_lag_seconds',
    help: 'Age of the oldest outbox event not yet relayed to the queue (0 when none)',
    registers,
    async collect() {
      this.reset();
      const { outbox } = await snapshot();
      if (outbox) this.set(outbox.lagSeconds);
    },
  });
  new Gauge({
    name: 'evently_outbox_unrelayed_events',
    help: 'Outbox events not yet relayed to the queue',
    registers,
    async collect() {
      this.reset();
      const { outbox } = await snapshot();
      if (outbox) this.set(outbox.unrelayed);
    },
  });
  new Gauge({
    name: 'evently_queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      const { queues } = await snapshot();
      for (const { queue, counts } of queues ?? []) {
        for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state]);
      }
    },
  });
  new Gauge({
    name: 'evently_jobs_failed',
    help: 'Jobs that failed their last try, per queue (kept 7 days)',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      this.reset();
      const { queues } = await snapshot();
      for (const { queue, counts } of queues ?? []) this.set({ queue }, counts.failed);
    },
  });
  new Counter({
    name: 'evently_mails_sent_total',
    help: 'Mails the SMTP server accepted',
    registers,
    async collect() {
      this.reset();
      const { mails } = await snapshot();
      if (mails) this.inc(mails.sent);
    },
  });
  new Gauge({
    name: 'evently_mails',
    help: 'Mails waiting to be sent (pending, retries included) and dead letters',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      this.reset();
      const { mails } = await snapshot();
      if (!mails) return;
      this.set({ status: 'pending' }, mails.pending);
      this.set({ status: 'dead' }, mails.dead);
    },
  });
  new Gauge({
    name: 'evently_operations_up',
    help: 'Whether each part of the operational metrics could be read (1) or not (0)',
    labelNames: ['part'] as const,
    registers,
    async collect() {
      const current = await snapshot();
      this.set({ part: 'outbox' }, current.outbox ? 1 : 0);
      this.set({ part: 'queues' }, current.queues ? 1 : 0);
      this.set({ part: 'mails' }, current.mails ? 1 : 0);
    },
  });
}
