import type { DomainEvent, DomainTopic } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { parseDeliveryJobs, throwIfFailed } from './delivery-job.js';

/**
 * What an effect may hand back: work to run once its transaction committed, such as a pub/sub
 * notification of the new state. Never run for a duplicate or a rolled-back effect. It should not
 * throw: a throw fails the job although the effect stays committed (a retry is a duplicate).
 */
export type AfterCommit = () => Promise<void>;

/**
 * A consumer of domain events. Its effect runs in the same transaction that records
 * `(consumer, event_id)` in processed_events, so a redelivered event changes nothing. An effect
 * outside the database (a mail) is at-least-once: it may repeat if the commit after it fails.
 */
export interface Consumer {
  /** Stable: it names the queue and the processed_events rows. */
  readonly name: string;
  readonly topics: readonly DomainTopic[];
  // biome-ignore lint/suspicious/noConfusingVoidType: effects that hand nothing back stay plain `async` functions.
  handle(trx: Transaction<Database>, event: DomainEvent): Promise<void | AfterCommit>;
  /**
   * Optional group commit: the worker hands the events of many jobs to this in ONE transaction
   * (each already claimed in it, duplicates left out), so hot rows are locked once per batch.
   * A consumer that has it also gets its events in batch jobs (one per relay pass), not one job
   * per event.
   */
  handleBatch?(
    trx: Transaction<Database>,
    events: readonly DomainEvent[],
    // biome-ignore lint/suspicious/noConfusingVoidType: as above.
  ): Promise<void | AfterCommit>;
  /** Jobs this consumer runs at once in one process (default: the worker's). */
  readonly concurrency?: number | undefined;
}

/** What a module writes: its handler sees only the events of the topics it subscribes to. */
export interface ConsumerDefinition<T extends DomainTopic> {
  name: string;
  topics: readonly T[];
  handle(
    trx: Transaction<Database>,
    event: Extract<DomainEvent, { topic: T }>,
    // biome-ignore lint/suspicious/noConfusingVoidType: as above.
  ): Promise<void | AfterCommit>;
  handleBatch?(
    trx: Transaction<Database>,
    events: ReadonlyArray<Extract<DomainEvent, { topic: T }>>,
    // biome-ignore lint/suspicious/noConfusingVoidType: as above.
  ): Promise<void | AfterCommit>;
  concurrency?: number;
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
  const { name, topics, concurrency } = definition;
  const handleBatch = definition.handleBatch;
  function own(event: DomainEvent): Extract<DomainEvent, { topic: T }> {
    if (!isOneOf(topics, event)) throw new Error(`${name} does not consume ${event.topic}`);
    return event;
  }
  return {
    name,
    topics,
    concurrency,
    async handle(trx, event) {
      return definition.handle(trx, own(event));
    },
    ...(handleBatch && {
      async handleBatch(trx: Transaction<Database>, events: readonly DomainEvent[]) {
        return handleBatch(trx, events.map(own));
      },
    }),
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

/** A job's outcome from its events' outcomes: applied if any was, else duplicate if any was. */
export function jobOutcome(outcomes: readonly DeliveryOutcome[]): DeliveryOutcome {
  if (outcomes.includes('applied')) return 'applied';
  if (outcomes.includes('duplicate')) return 'duplicate';
  return 'ignored';
}

/**
 * Delivers a job's event (or each event of a batch job, one transaction each) to one consumer,
 * exactly once in effect: claim `(consumer, event)` and apply the effect in one transaction. A
 * concurrent duplicate waits on the claim's key and then finds it taken; a failed effect rolls the
 * claim back so a retry can apply it. Any failure fails the job, after the other events ran.
 */
export async function deliverEvent(
  db: Kysely<Database>,
  consumer: Consumer,
  jobData: unknown,
): Promise<DeliveryOutcome> {
  const { events, errors } = parseDeliveryJobs(jobData);
  const outcomes: DeliveryOutcome[] = [];
  for (const event of events) {
    try {
      outcomes.push(await deliverOne(db, consumer, event));
    } catch (error) {
      errors.push(error);
    }
  }
  throwIfFailed(errors);
  return jobOutcome(outcomes);
}

async function deliverOne(
  db: Kysely<Database>,
  consumer: Consumer,
  event: DomainEvent,
): Promise<DeliveryOutcome> {
  if (!isSubscribed(consumer, event.topic)) return 'ignored';
  let afterCommit: AfterCommit | undefined;
  const outcome = await db.transaction().execute(async (trx): Promise<DeliveryOutcome> => {
    const claimed = await trx
      .insertInto('processed_events')
      .values({ consumer: consumer.name, event_id: event.id })
      .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (!claimed) return 'duplicate';
    const after = await consumer.handle(trx, event);
    if (typeof after === 'function') afterCommit = after;
    return 'applied';
  });
  if (afterCommit) await afterCommit();
  return outcome;
}
