import type { DbHandle } from '@evently/db';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { QueuePort } from '../queue/queue.port.js';
import type { Consumer } from './consumer.js';
import { createDeliveryBatch, subscribersOf } from './delivery-batch.js';
import { createPollLoop } from './poll-loop.js';

export interface OutboxReconcilerOptions {
  db: DbHandle;
  queue: QueuePort;
  consumers: readonly Consumer[];
  log: Logger;
  /**
   * How long after an enqueue an event may stay unprocessed before it is enqueued again; longer
   * than a job's own retries (5 tries, 1 s backoff: ~15 s). Doubles with each re-delivery, up
   * to 64 times. Default 60 s.
   */
  deadlineMs?: number;
  /** Default 15 s. */
  intervalMs?: number;
  /** Rows examined per transaction. Default 500. */
  batchSize?: number;
}

export interface ReconcileResult {
  /** Events enqueued again for at least one consumer. */
  redelivered: number;
  /** Events every subscribed consumer has processed, now marked delivered. */
  delivered: number;
}

export interface OutboxReconciler {
  start(): Promise<void>;
  stop(): Promise<void>;
  reconcileOnce(): Promise<ReconcileResult>;
}

/** After this many re-deliveries an event is logged as an error: a consumer keeps failing. */
const STUCK_AFTER = 5;

/**
 * Redis never holds the only copy of a fact: an event counts as delivered to a consumer only
 * once its processed_events row exists. This pass finds events enqueued longer than the deadline
 * ago and not yet delivered; for each consumer that has not processed one it enqueues the event
 * again under a new job id (`<outboxId>.r<n>`: the queue would drop a known id) and restamps
 * `relayed_at`; events that every consumer has processed get `delivered_at`, which keeps the
 * scan on a small partial index. A Redis that restarts empty, a lost job, a job that exhausted
 * its attempts, a relay that died between its claim and its enqueue: all end up here.
 *
 * Like the relay it holds no transaction while Redis answers: a short transaction claims the
 * due rows (`SKIP LOCKED`, restamped before it commits, so a concurrent reconciler finds them
 * not due) and marks the delivered ones; the enqueue follows; if it fails, the claimed rows get
 * their stamp and count back and are due again on the next pass.
 */
export function createOutboxReconciler(options: OutboxReconcilerOptions): OutboxReconciler {
  const { db, queue, consumers, log } = options;
  const deadlineMs = options.deadlineMs ?? 60_000;
  const batchSize = options.batchSize ?? 500;

  interface Redelivery {
    id: string;
    topic: string;
    /** What the row had before this pass claimed it (restored if the enqueue fails). */
    relayedAt: Date;
    redeliveries: number;
    consumers: string[];
  }

  /** Claims the due rows, marks the delivered ones; resolves what must be enqueued again. */
  async function claim() {
    return db.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('outbox')
        .select(['id', 'topic', 'version', 'payload', 'occurred_at', 'relayed_at', 'redeliveries'])
        .where('relayed_at', 'is not', null)
        .where('delivered_at', 'is', null)
        // The first condition walks the partial index; the second adds the backoff.
        .where(
          'relayed_at',
          '<',
          sql<Date>`now() - ${deadlineMs}::float8 * interval '1 millisecond'`,
        )
        .where(
          'relayed_at',
          '<',
          sql<Date>`now() - ${deadlineMs}::float8 * power(2, least(redeliveries, 6)) * interval '1 millisecond'`,
        )
        .orderBy('relayed_at')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      const batch = createDeliveryBatch(consumers);
      const delivered: string[] = [];
      const redelivered: Redelivery[] = [];
      if (rows.length === 0) return { batch, delivered, redelivered };

      const processed = await trx
        .selectFrom('processed_events')
        .select(['consumer', 'event_id'])
        .where(
          'event_id',
          'in',
          rows.map((row) => row.id),
        )
        .execute();
      const done = new Set(processed.map((p) => `${p.consumer}\u0000${p.event_id}`));

      for (const row of rows) {
        const missing = subscribersOf(consumers, row.topic).filter(
          (consumer) => !done.has(`${consumer.name}\u0000${row.id}`),
        );
        if (missing.length === 0) {
          delivered.push(row.id);
          continue;
        }
        batch.add(row, `${row.id}.r${row.redeliveries + 1}`, missing);
        redelivered.push({
          id: row.id,
          topic: row.topic,
          relayedAt: row.relayed_at ?? new Date(0),
          redeliveries: row.redeliveries,
          consumers: missing.map((c) => c.name),
        });
      }

      if (delivered.length > 0) {
        await trx
          .updateTable('outbox')
          .set({ delivered_at: sql<Date>`now()` })
          .where('id', 'in', delivered)
          .execute();
      }
      if (redelivered.length > 0) {
        await trx
          .updateTable('outbox')
          .set((eb) => ({ redeliveries: eb('redeliveries', '+', 1), relayed_at: sql<Date>`now()` }))
          .where(
            'id',
            'in',
            redelivered.map((r) => r.id),
          )
          .execute();
      }
      return { batch, delivered, redelivered };
    });
  }

  /** After a failed enqueue: the claimed rows as they were, due again on the next pass. */
  async function handBack(redelivered: readonly Redelivery[]): Promise<void> {
    const before = JSON.stringify(
      redelivered.map((r) => ({
        id: r.id,
        relayed_at: r.relayedAt.toISOString(),
        redeliveries: r.redeliveries,
      })),
    );
    await sql`
      UPDATE outbox AS o SET relayed_at = v.relayed_at, redeliveries = v.redeliveries
      FROM jsonb_to_recordset(${before}::jsonb) AS v(id uuid, relayed_at timestamptz, redeliveries int)
      WHERE o.id = v.id AND o.delivered_at IS NULL`.execute(db.db);
  }

  async function reconcileOnce(): Promise<ReconcileResult> {
    const { batch, delivered, redelivered } = await claim();
    if (redelivered.length > 0) {
      try {
        await batch.enqueue(queue);
      } catch (error) {
        await handBack(redelivered).catch((failed: unknown) =>
          log.warn({ err: failed }, 'outbox reconciler cannot hand its rows back; next deadline'),
        );
        throw error;
      }
    }
    for (const r of redelivered) {
      const context = { eventId: r.id, topic: r.topic, consumers: r.consumers };
      if (r.redeliveries + 1 >= STUCK_AFTER) {
        log.error({ ...context, redeliveries: r.redeliveries + 1 }, 'outbox event keeps failing');
      } else {
        log.warn(context, 'outbox event not processed in time; enqueued again');
      }
    }
    return { redelivered: redelivered.length, delivered: delivered.length };
  }

  const loop = createPollLoop({
    intervalMs: options.intervalMs ?? 15_000,
    tick: async () => {
      const result = await reconcileOnce();
      return result.redelivered + result.delivered >= batchSize;
    },
    onError: (error) => log.warn({ err: error }, 'outbox reconciler failed; will retry'),
  });

  return {
    reconcileOnce,
    async start() {
      loop.start();
    },
    stop: () => loop.stop(),
  };
}
