import { randomUUID } from 'node:crypto';
import { type DomainEventInput, type DomainTopic, parseDomainEvent } from '@evently/contracts';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../database.js';

/** The channel the relay LISTENs on; NOTIFY inside a transaction fires at commit. */
export const OUTBOX_CHANNEL = 'evently_outbox';

export interface AppendedEvent {
  id: string;
  topic: DomainTopic;
}

/**
 * Appends a domain event inside the caller's transaction: the event exists if and only if the
 * state change that caused it committed. The payload is validated against the catalogue.
 */
export async function appendEvent<T extends DomainTopic>(
  trx: Transaction<Database> | Kysely<Database>,
  event: DomainEventInput<T>,
): Promise<AppendedEvent> {
  const { version, payload } = parseDomainEvent(event.topic, event.payload);
  const id = event.id ?? randomUUID();
  await trx
    .insertInto('outbox')
    .values({
      id,
      topic: event.topic,
      version,
      aggregate_id: event.aggregateId ?? null,
      payload: JSON.stringify(payload),
      occurred_at: new Date(),
    })
    .execute();
  await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(trx);
  return { id, topic: event.topic };
}
