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

/** An outbox row as written: the payload validated against the catalogue, ids and times set. */
export interface OutboxRow {
  id: string;
  topic: DomainTopic;
  version: number;
  aggregate_id: string | null;
  /** Validated; the writer serialises it. */
  payload: unknown;
  occurred_at: Date;
}

/**
 * Validates events and turns them into outbox rows, for writers that insert them inside a
 * statement of their own (the bookings allocator writes a whole batch in one). Such a writer must
 * also `pg_notify(OUTBOX_CHANNEL, '')` in the same transaction.
 */
export function toOutboxRows(
  events: DomainEventInput<DomainTopic>[],
  at = new Date(),
): OutboxRow[] {
  return events.map((event) => {
    const { version, payload } = parseDomainEvent(event.topic, event.payload);
    return {
      id: event.id ?? randomUUID(),
      topic: event.topic,
      version,
      aggregate_id: event.aggregateId ?? null,
      payload,
      occurred_at: at,
    };
  });
}

/** Appends many events in one statement and one NOTIFY. */
export async function appendEvents(
  trx: Transaction<Database> | Kysely<Database>,
  events: DomainEventInput<DomainTopic>[],
): Promise<AppendedEvent[]> {
  if (events.length === 0) return [];
  const rows = toOutboxRows(events);
  await trx
    .insertInto('outbox')
    .values(rows.map((r) => ({ ...r, payload: JSON.stringify(r.payload) })))
    .execute();
  await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(trx);
  return rows.map((r) => ({ id: r.id, topic: r.topic }));
}
