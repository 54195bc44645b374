import { type DbHandle, OUTBOX_CHANNEL } from '@evently/db';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { QueuePort } from '../queue/queue.port.js';
import type { Consumer } from './consumer.js';
import { createDeliveryBatch } from './delivery-batch.js';
import { createListeningPollLoop } from './listening-poll-loop.js';

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
 * Moves committed outbox rows to the consumers' queues, holding no transaction while Redis
 * answers. Each pass:
 * 1. claims the oldest unrelayed rows in ONE statement (`UPDATE … SET relayed_at = now() WHERE
 *    id IN (SELECT … FOR UPDATE SKIP LOCKED)`, committed at once), so several relays share the
 *    work and none enqueues a row another one took; rows nobody subscribes to are marked
 *    delivered in the same statement;
 * 2. enqueues one job per subscribed consumer (the outbox id as job id, or one batch job per
 *    consumer with group commit);
 * 3. if the enqueue fails (Redis away), hands the rows back (`relayed_at = NULL`) so the next
 *    pass takes them again: the jobs that did get in carry the same ids and are dropped.
 * `relayed_at` is the claim's lease: a relay that dies between its claim and its enqueue (or a
 * hand-back that fails because Postgres is away too) leaves rows relayed but never enqueued,
 * and the reconciler enqueues them again once its deadline passed — a crash costs latency,
 * never an event. Exactly-once rests on processed_events, as ever.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, queue, consumers, log } = options;
  const batchSize = options.batchSize ?? 100;
  const subscribedTopics = [...new Set(consumers.flatMap((consumer) => consumer.topics))];

  /** Takes up to batchSize unrelayed rows for this relay; resolves them in seq order. */
  async function claim() {
    const rows = await db.db
      .updateTable('outbox')
      .set((eb) => ({
        relayed_at: sql<Date>`now()`,
        // Nobody listens to these topics: delivered as of now, so the reconciler skips them.
        delivered_at:
          subscribedTopics.length === 0
            ? sql<Date>`now()`
            : eb
                .case()
                .when('topic', 'in', subscribedTopics)
                .then(null)
                .else(sql<Date>`now()`)
                .end(),
      }))
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('outbox')
          .select('id')
          .where('relayed_at', 'is', null)
          .orderBy('seq')
          .limit(batchSize)
          .forUpdate()
          .skipLocked(),
      )
      .returning(['id', 'seq', 'topic', 'version', 'payload', 'occurred_at'])
      .execute();
    return rows.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
  }

  async function relayOnce(): Promise<number> {
    const rows = await claim();
    if (rows.length === 0) return 0;
    const batch = createDeliveryBatch(consumers);
    const subscribed: string[] = [];
    for (const row of rows) {
      if (batch.add(row, row.id) > 0) subscribed.push(row.id);
    }
    try {
      await batch.enqueue(queue);
    } catch (error) {
      if (subscribed.length === 0) throw error;
      // Handed back for the next pass; if even that fails, the reconciler's deadline covers it.
      await db.db
        .updateTable('outbox')
        .set({ relayed_at: null })
        .where('id', 'in', subscribed)
        .where('delivered_at', 'is', null)
        .execute()
        .catch((handBack: unknown) =>
          log.warn(
            { err: handBack },
            'outbox relay cannot hand its rows back; the reconciler will',
          ),
        );
      throw error;
    }
    return rows.length;
  }

  const loop = createListeningPollLoop({
    db,
    channel: OUTBOX_CHANNEL,
    name: 'outbox relay',
    log,
    intervalMs: options.pollIntervalMs ?? 1_000,
    tick: async () => (await relayOnce()) >= batchSize,
    onError: (error) => log.warn({ err: error }, 'outbox relay failed; will retry'),
  });

  return { relayOnce, start: loop.start, stop: loop.stop };
}
