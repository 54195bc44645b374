import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { messageTopics } from '../src/modules/webhooks/webhook-messages.js';
import { WEBHOOKS_CONSUMER_NAME } from '../src/modules/webhooks/webhooks.consumer.js';
import { until } from './payments.stripe.fixtures.js';

/** `until` with a minute's patience: the fault test's worker restarts take a while on a busy box. */
export const eventually = <T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> => until(read, check, timeoutMs);

/** Outbox events of webhook topics the `webhooks` consumer has not recorded deliveries for yet. */
export async function unrecorded(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('outbox as o')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('o.topic', 'in', [...messageTopics])
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('processed_events as p')
            .select('p.event_id')
            .where('p.consumer', '=', WEBHOOKS_CONSUMER_NAME)
            .whereRef('p.event_id', '=', 'o.id'),
        ),
      ),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every event recorded and every delivery of `webhookId` ended (delivered or failed). */
export async function settled(db: Kysely<Database>, webhookId: string): Promise<void> {
  await eventually(
    async () => {
      const pending = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('webhook_id', '=', webhookId)
        .where('status', '=', 'pending')
        .execute();
      return { unrecorded: await unrecorded(db), pending: pending.length };
    },
    (state) => state.unrecorded === 0 && state.pending === 0,
  );
}

/** A delivery's attempts in order: each one's status code (null: no answer) and error. */
export function attemptsOf(db: Kysely<Database>, deliveryId: string) {
  return db
    .selectFrom('webhook_attempts')
    .select(['attempt', 'at', 'status_code', 'error'])
    .where('delivery_id', '=', deliveryId)
    .orderBy('attempt')
    .execute();
}

/** A delivery as stored. */
export function deliveryRow(db: Kysely<Database>, deliveryId: string) {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('id', '=', deliveryId)
    .executeTakeFirstOrThrow();
}
