import { type DbHandle, OUTBOX_CHANNEL } from '@evently/db';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { QueuePort } from '../queue/queue.port.js';
import type { Consumer } from './consumer.js';
import { createDeliveryBatch } from './delivery-batch.js';
import { createPollLoop } from './poll-loop.js';

export interface OutboxRelayOptions {
  db: DbHandle;
  queue: QueuePort;
  consumers: readonly Consumer[];
  log: Logger;
  /** Rows claimed per transaction. Default 100. */
  batchSize?: number;
  /** The longest wait between two scans when no NOTIFY arrives. Default 1000 ms. */
  pollIntervalMs?: number;
}

export interface OutboxRelay {
  start(): Promise<void>;
  /** Finishes the batch in flight, then stops. */
  stop(): Promise<void>;
  /** One batch; resolves how many outbox rows it relayed. */
  relayOnce(): Promise<number>;
}

/**
 * Moves committed outbox rows to the consumers' queues. Each batch is one transaction: claim
 * the oldest unrelayed rows (`FOR UPDATE SKIP LOCKED`, so several relays share the work without
 * waiting on each other), enqueue one job per subscribed consumer, mark the rows relayed,
 * commit. If the enqueue fails the transaction rolls back and the rows are claimed again later;
 * if the process dies after enqueueing but before the commit, the next relay enqueues the same
 * job ids again and the queue (or, once forgotten there, processed_events) drops the repeats.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, queue, consumers, log } = options;
  const batchSize = options.batchSize ?? 100;
  let unlisten: (() => Promise<void>) | undefined;

  async function relayOnce(): Promise<number> {
    return db.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('outbox')
        .select(['id', 'topic', 'version', 'payload', 'occurred_at'])
        .where('relayed_at', 'is', null)
        .orderBy('seq')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return 0;

      const batch = createDeliveryBatch(consumers);
      const unsubscribed: string[] = [];
      for (const row of rows) {
        if (batch.add(row, row.id) === 0) unsubscribed.push(row.id);
      }
      await batch.enqueue(queue);

      await trx
        .updateTable('outbox')
        .set({ relayed_at: sql`now()` })
        .where(
          'id',
          'in',
          rows.map((row) => row.id),
        )
        .execute();
      // Nobody listens to these topics: delivered as of now, so the reconciler skips them.
      if (unsubscribed.length > 0) {
        await trx
          .updateTable('outbox')
          .set({ delivered_at: sql`now()` })
          .where('id', 'in', unsubscribed)
          .execute();
      }
      return rows.length;
    });
  }

  const loop = createPollLoop({
    intervalMs: options.pollIntervalMs ?? 1_000,
    tick: async () => (await relayOnce()) >= batchSize,
    onError: (error) => log.warn({ err: error }, 'outbox relay failed; will retry'),
  });

  return {
    relayOnce,
    async start() {
      try {
        unlisten = await db.listen(OUTBOX_CHANNEL, () => loop.wake());
      } catch (error) {
        // NOTIFY is a hint: without it the relay still polls.
        log.warn({ err: error }, 'outbox relay cannot LISTEN; polling only');
      }
      loop.start();
    },
    async stop() {
      await loop.stop();
      await unlisten?.();
      unlisten = undefined;
    },
  };
}
