import type { Database } from '@evently/db';
import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;
export type DeliveryRow = Selectable<Database['webhook_deliveries']>;
export type NewDeliveryRow = Insertable<Database['webhook_deliveries']>;

/** The channel the consumer NOTIFYs when it records deliveries (the sender LISTENs). */
export const WEBHOOKS_CHANNEL = 'evently_webhooks';

/** A claimed delivery with what sending it needs from its webhook. */
export interface ClaimedDelivery extends DeliveryRow {
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
}

/** How an attempt ended, as recorded. */
export interface AttemptRecord {
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** Every SQL statement on `webhook_deliveries` and `webhook_attempts`. */
export const deliveriesRepository = {
  /** Records deliveries; one a webhook already has for the event is left as it is. */
  async insert(trx: Transaction<Database>, rows: NewDeliveryRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted = await trx
      .insertInto('webhook_deliveries')
      .values(rows)
      .onConflict((oc) => oc.constraint('webhook_deliveries_event').doNothing())
      .returning('id')
      .execute();
    if (inserted.length > 0) await sql`SELECT pg_notify(${WEBHOOKS_CHANNEL}, '')`.execute(trx);
    return inserted.length;
  },

  /** An outbox event's place in the outbox order. */
  async seqOf(trx: Transaction<Database>, eventId: string): Promise<string | undefined> {
    const row = await trx
      .selectFrom('outbox')
      .select('seq')
      .where('id', '=', eventId)
      .executeTakeFirst();
    return row?.seq;
  },

  /**
   * The first outbox event of `topics` that `consumer` has not processed yet (null: none). No
   * delivery at or after it is sent, so a webhook never hears of an event before an earlier
   * one the consumer has yet to record (consumers run concurrently and retry). Unrelayed rows
   * walk the relay's index; relayed, undelivered ones the reconciler's.
   */
  async watermark(db: Db, consumer: string, topics: readonly string[]): Promise<string | null> {
    const list = sql.join(topics.map((topic) => sql`${topic}`));
    const { rows } = await sql<{ seq: string | null }>`
      SELECT least(
        (SELECT min(seq) FROM outbox WHERE relayed_at IS NULL AND topic IN (${list})),
        (SELECT min(o.seq) FROM outbox o
          WHERE o.relayed_at IS NOT NULL AND o.delivered_at IS NULL AND o.topic IN (${list})
            AND NOT EXISTS (SELECT 1 FROM processed_events p
              WHERE p.consumer = ${consumer} AND p.event_id = o.id))
      ) AS seq`.execute(db);
    return rows[0]?.seq ?? null;
  },

  /**
   * Claims the head of one active webhook's queue that is due (its first pending delivery in
   * outbox order: the rest wait behind it), before `watermark`, in one committed statement:
   * `attempts` + 1 (the claim's token) and a lease (`next_attempt_at` = `leaseUntil`), so no
   * other sender takes it — nor the next one of its webhook, which is not the head.
   */
  async claimHead(
    db: Db,
    at: { now: Date; leaseUntil: Date; watermark: string | null },
  ): Promise<ClaimedDelivery | undefined> {
    const { rows } = await sql<ClaimedDelivery>`
      WITH heads AS (
        SELECT h.id, h.next_attempt_at FROM webhooks w
        CROSS JOIN LATERAL (
          SELECT q.id, q.seq, q.next_attempt_at FROM webhook_deliveries q
          WHERE q.webhook_id = w.id AND q.status = 'pending'
          ORDER BY q.seq LIMIT 1
        ) h
        WHERE w.status = 'active' AND h.next_attempt_at <= ${at.now}
          AND (${at.watermark}::bigint IS NULL OR h.seq < ${at.watermark}::bigint)
        ORDER BY h.next_attempt_at
        LIMIT 8
      ),
      claimed AS (
        SELECT x.id FROM webhook_deliveries x
        WHERE x.id IN (SELECT id FROM heads) AND x.status = 'pending'
          AND x.next_attempt_at <= ${at.now}
        ORDER BY x.next_attempt_at
        LIMIT 1
        FOR UPDATE OF x SKIP LOCKED
      )
      UPDATE webhook_deliveries d
      SET attempts = d.attempts + 1, next_attempt_at = ${at.leaseUntil}, last_attempt_at = ${at.now}
      FROM webhooks w
      WHERE d.id IN (SELECT id FROM claimed) AND w.id = d.webhook_id
      RETURNING d.*, w.url, w.secret, w.previous_secret, w.previous_secret_until`.execute(db);
    return rows[0];
  },

  /** Every attempt is kept (the same one recorded twice stays one row). */
  async recordAttempt(
    trx: Transaction<Database>,
    claim: { id: string; attempts: number },
    attempt: AttemptRecord,
  ): Promise<void> {
    await trx
      .insertInto('webhook_attempts')
      .values({
        delivery_id: claim.id,
        attempt: claim.attempts,
        at: attempt.at,
        status_code: attempt.statusCode,
        error: attempt.error,
        duration_ms: attempt.durationMs,
      })
      .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
      .execute();
  },

  /**
   * The outcome of the claim's attempt: only while the claim is still the latest (a claim whose
   * lease ran out and was taken again records nothing).
   */
  async settle(
    trx: Transaction<Database>,
    claim: { id: string; attempts: number },
    outcome: {
      status: 'pending' | 'delivered' | 'failed';
      nextAttemptAt?: Date;
      attempt: AttemptRecord;
    },
  ): Promise<boolean> {
    const { attempt } = outcome;
    const updated = await trx
      .updateTable('webhook_deliveries')
      .set({
        status: outcome.status,
        ...(outcome.nextAttemptAt && { next_attempt_at: outcome.nextAttemptAt }),
        ...(outcome.status === 'delivered' && { delivered_at: attempt.at }),
        last_status_code: attempt.statusCode,
        last_error: attempt.error,
        last_duration_ms: attempt.durationMs,
      })
      .where('id', '=', claim.id)
      .where('attempts', '=', claim.attempts)
      .where('status', '=', 'pending')
      .returning('id')
      .executeTakeFirst();
    return updated !== undefined;
  },

  /** A disabled webhook's queue: failed at once (replayable once it is enabled again). */
  async failPending(trx: Transaction<Database>, webhookId: string, error: string): Promise<void> {
    await trx
      .updateTable('webhook_deliveries')
      .set({ status: 'failed', last_error: error })
      .where('webhook_id', '=', webhookId)
      .where('status', '=', 'pending')
      .execute();
  },

  find(db: Db, webhookId: string, id: string): Promise<DeliveryRow | undefined> {
    return db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .where('webhook_id', '=', webhookId)
      .executeTakeFirst();
  },

  /** A webhook's deliveries, newest (in outbox order) first, after a keyset cursor. */
  page(
    db: Db,
    query: {
      webhookId: string;
      status?: DeliveryRow['status'] | undefined;
      afterSeq?: string;
      limit: number;
    },
  ): Promise<DeliveryRow[]> {
    let q = db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', query.webhookId);
    if (query.status) q = q.where('status', '=', query.status);
    if (query.afterSeq !== undefined) q = q.where('seq', '<', query.afterSeq);
    return q.orderBy('seq', 'desc').limit(query.limit).execute();
  },

  /**
   * Queued again (same id: the same `webhook-id`), due now and tried for another window: the
   * one delivery named (unless pending already), or every failed one recorded since `since`.
   */
  async requeue(
    trx: Transaction<Database>,
    query: { webhookId: string; deliveryId?: string | undefined; since?: string | undefined },
    at: { now: Date; retryUntil: Date },
  ): Promise<number> {
    let q = trx
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', next_attempt_at: at.now, retry_until: at.retryUntil })
      .where('webhook_id', '=', query.webhookId);
    if (query.deliveryId) {
      q = q.where('id', '=', query.deliveryId).where('status', '<>', 'pending');
    } else {
      q = q.where('status', '=', 'failed');
      if (query.since) q = q.where('created_at', '>=', new Date(query.since));
    }
    const rows = await q.returning('id').execute();
    if (rows.length > 0) await sql`SELECT pg_notify(${WEBHOOKS_CHANNEL}, '')`.execute(trx);
    return rows.length;
  },
};
