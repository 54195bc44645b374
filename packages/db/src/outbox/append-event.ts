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

/**
 * Appends many events in one statement and one NOTIFY (the bookings allocator writes a whole
 * batch at once).
 */
export async function appendEvents(
  trx: Transaction<Database> | Kysely<Database>,
  events: DomainEventInput<DomainTopic>[],
): Promise<AppendedEvent[]> {
  if (events.length === 0) return [];
  const rows = events.map((event) => {
    const { version, payload } = parseDomainEvent(event.topic, event.payload);
    return {
      id: event.id ?? randomUUID(),
      topic: event.topic,
      version,
      aggregate_id: event.aggregateId ?? null,
      payload: JSON.stringify(payload),
      occurred_at: new Date(),
    };
  });
  await trx.insertInto('outbox').values(rows).execute();
  await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(trx);
  return rows.map((r) => ({ id: r.id, topic: r.topic as DomainTopic }));
}
