import type { DomainEvent, DomainTopic } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { parseDeliveryJob } from './delivery-job.js';

/**
 * A consumer of domain events. Its effect runs in the same transaction that records
 * `(consumer, event_id)` in processed_events, so a redelivered event changes nothing. An effect
 * outside the database (a mail) is at-least-once: it may repeat if the commit after it fails.
 */
export interface Consumer {
  /** Stable: it names the queue and the processed_events rows. */
  readonly name: string;
  readonly topics: readonly DomainTopic[];
  handle(trx: Transaction<Database>, event: DomainEvent): Promise<void>;
}

/** What a module writes: its handler sees only the events of the topics it subscribes to. */
export interface ConsumerDefinition<T extends DomainTopic> {
  name: string;
  topics: readonly T[];
  handle(trx: Transaction<Database>, event: Extract<DomainEvent, { topic: T }>): Promise<void>;
}

// Lower-case words joined by '-': safe in a queue name and a Redis key.
const consumerSchema = z.object({
  name: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a consumer name is kebab-case'),
  topics: z.array(z.string()).min(1),
});

function isOneOf<T extends DomainTopic>(
  topics: readonly T[],
  event: DomainEvent,
): event is Extract<DomainEvent, { topic: T }> {
  return (topics as readonly string[]).includes(event.topic);
}

export function defineConsumer<T extends DomainTopic>(definition: ConsumerDefinition<T>): Consumer {
  consumerSchema.parse(definition);
  const { name, topics } = definition;
  return {
    name,
    topics,
    async handle(trx, event) {
      if (!isOneOf(topics, event)) throw new Error(`${name} does not consume ${event.topic}`);
      await definition.handle(trx, event);
    },
  };
}

/** Each consumer has a queue of its own (BullMQ forbids ':' in queue names, hence the dot). */
export function consumerQueueName(consumerName: string): string {
  return `consumer.${consumerName}`;
}

export function isSubscribed(consumer: Consumer, topic: string): boolean {
  return (consumer.topics as readonly string[]).includes(topic);
}

/** 'duplicate': already processed, nothing done. 'ignored': a topic it does not subscribe to. */
export type DeliveryOutcome = 'applied' | 'duplicate' | 'ignored';

/**
 * Delivers one job's event to one consumer, exactly once in effect: claim `(consumer, event)`
 * and apply the effect in one transaction. A concurrent duplicate waits on the claim's key and
 * then finds it taken; a failed effect rolls the claim back so a retry can apply it.
 */
export async function deliverEvent(
  db: Kysely<Database>,
  consumer: Consumer,
  jobData: unknown,
): Promise<DeliveryOutcome> {
  const event = parseDeliveryJob(jobData);
  if (!isSubscribed(consumer, event.topic)) return 'ignored';
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto('processed_events')
      .values({ consumer: consumer.name, event_id: event.id })
      .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (!claimed) return 'duplicate';
    await consumer.handle(trx, event);
    return 'applied';
  });
}
