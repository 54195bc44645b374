import type { Database } from '@evently/db';
import type { connectTestRedis } from '@evently/platform/testing';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { ANALYTICS_CONSUMER } from '../src/modules/analytics/analytics.consumer.js';
import { analyticsTopics } from '../src/modules/analytics/analytics.projector.js';
import {
  MAIL_CONSUMER_NAME,
  mailConsumerTopics,
} from '../src/modules/notifications/mail/mail.consumer.js';

/** Every consumer the worker runtime runs, with the topics it subscribes to. */
const subscriptions: ReadonlyArray<{ consumer: string; topics: readonly string[] }> = [
  { consumer: MAIL_CONSUMER_NAME, topics: mailConsumerTopics },
  { consumer: ANALYTICS_CONSUMER, topics: analyticsTopics },
  { consumer: 'bookings', topics: ['event.cancelled'] },
];

/** True for an outbox row (alias `o`) that some subscribed consumer has not processed yet. */
function someConsumerMissing(): RawBuilder<boolean> {
  return sql<boolean>`(${sql.join(
    subscriptions.map(
      ({ consumer, topics }) => sql`(o.topic = ANY(${[...topics]}::text[]) AND NOT EXISTS (
        SELECT 1 FROM processed_events p WHERE p.consumer = ${consumer} AND p.event_id = o.id))`,
    ),
    sql` OR `,
  )})`;
}

/** Outbox events some consumer has yet to process (whether or not they were relayed). */
export async function undelivered(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    SELECT count(*) AS n FROM outbox o WHERE ${someConsumerMissing()}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Forgets that the events every consumer has processed were relayed, as if each relay pass had
 * handed its rows back after enqueueing them: the relay enqueues them all again, and with a
 * Redis that restarted empty no job id is left to drop the repeats — only processed_events can.
 * Resolves the deliveries (consumer, event id) that will be made a second time.
 */
export async function forgetRelays(
  db: Kysely<Database>,
): Promise<Array<{ consumer: string; eventId: string }>> {
  const { rows } = await sql<{ id: string; topic: string }>`
    UPDATE outbox o SET relayed_at = NULL, delivered_at = NULL
    WHERE o.relayed_at IS NOT NULL AND NOT ${someConsumerMissing()}
    RETURNING o.id, o.topic`.execute(db);
  return rows.flatMap((row) =>
    subscriptions
      .filter((s) => s.topics.includes(row.topic))
      .map((s) => ({ consumer: s.consumer, eventId: row.id })),
  );
}

/** When each of these outbox rows was last claimed (relayed_at, in ms), for those claimed. */
export async function claimedAt(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('outbox')
    .select(['id', 'relayed_at'])
    .where('id', 'in', [...new Set(ids)])
    .where('relayed_at', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [r.id, r.relayed_at?.getTime() ?? 0]));
}

/**
 * The outbox ids a consumer's finished jobs carried, read from the BullMQ job hashes in Redis
 * (`<prefix>:bull:consumer.<name>:<job id>`): a one-event job's event, or each event of a batch
 * job (group-commit consumers get one job per relay pass, whose id is not an event's).
 */
export async function finishedDeliveries(
  redis: Awaited<ReturnType<typeof connectTestRedis>>,
  prefix: string,
  consumer: string,
): Promise<Set<string>> {
  const queue = `${prefix}:bull:consumer.${consumer}:`;
  const finished = new Set<string>();
  let cursor = '0';
  do {
    // Order as ioredis types it: MATCH, COUNT, then TYPE (job hashes only, not the lists).
    const [next, keys] = await redis.scan(
      cursor,
      'MATCH',
      `${queue}*`,
      'COUNT',
      1000,
      'TYPE',
      'hash',
    );
    cursor = next;
    for (const key of keys) {
      const [data, finishedOn] = await redis.hmget(key, 'data', 'finishedOn');
      if (data === null || data === undefined || finishedOn === null) continue;
      const job = JSON.parse(data) as { id?: unknown; events?: Array<{ id?: unknown }> };
      for (const event of job.events ?? [job]) {
        if (typeof event.id === 'string') finished.add(event.id);
      }
    }
  } while (cursor !== '0');
  return finished;
}
