import { type DomainEvent, isDomainTopic, parseDomainEvent } from '@evently/contracts';
import type { OutboxTable } from '@evently/db';
import type { Selectable } from 'kysely';
import { z } from 'zod';

/**
 * What a delivery job carries: the whole outbox event, so a consumer needs no extra read. Redis
 * still never holds the only copy: the outbox row stays until every consumer has processed it.
 */
export const deliveryJobSchema = z.object({
  id: z.uuid(),
  // Checked against the catalogue when parsed, not here: the job type stays a plain string.
  topic: z.string(),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  payload: z.record(z.string(), z.unknown()),
});

export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

/**
 * What a consumer with group commit gets instead: the events of one relay (or reconciler) pass in
 * one job, so the queue's cost per job is paid once per pass rather than once per event.
 */
export const deliveryJobsSchema = z.object({
  events: z.array(deliveryJobSchema).min(1),
});

export type DeliveryJobs = z.infer<typeof deliveryJobsSchema>;

export type OutboxRow = Pick<
  Selectable<OutboxTable>,
  'id' | 'topic' | 'version' | 'payload' | 'occurred_at'
>;

export function toDeliveryJob(row: OutboxRow): DeliveryJob {
  return {
    id: row.id,
    topic: row.topic,
    version: row.version,
    occurredAt: row.occurred_at.toISOString(),
    payload: row.payload,
  };
}

/**
 * Validates a job's data, then its payload against the catalogue's schema for that topic.
 * Throws (a ZodError naming the field, or a version mismatch) rather than guess.
 */
export function parseDeliveryJob(data: unknown): DomainEvent {
  return toDomainEvent(deliveryJobSchema.parse(data));
}

// Each event of a batch is checked on its own (below), so one bad event spoils only itself.
const batchShapeSchema = z.object({ events: z.array(z.unknown()).min(1) });

/**
 * A job's events — one for a single delivery job, each of a batch's in order — and the errors of
 * those that do not parse. The caller delivers the good ones and then fails the job, so a bad
 * event never holds back the others of its batch.
 */
export function parseDeliveryJobs(data: unknown): { events: DomainEvent[]; errors: unknown[] } {
  const items =
    typeof data === 'object' && data !== null && 'events' in data
      ? batchShapeSchema.parse(data).events
      : [data];
  const events: DomainEvent[] = [];
  const errors: unknown[] = [];
  for (const item of items) {
    try {
      events.push(parseDeliveryJob(item));
    } catch (error) {
      errors.push(error);
    }
  }
  return { events, errors };
}

/** Throws a job's failure, if it has one: its only error, or an AggregateError of several. */
export function throwIfFailed(errors: readonly unknown[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new AggregateError(errors, `${errors.length} events of the job failed`, {
      cause: errors[0],
    });
  }
}

function toDomainEvent(job: DeliveryJob): DomainEvent {
  const topic = job.topic;
  if (!isDomainTopic(topic)) throw new Error(`event ${job.id}: unknown topic ${topic}`);
  const { version, payload } = parseDomainEvent(topic, job.payload);
  if (job.version !== version) {
    throw new Error(`event ${job.id}: ${topic} v${job.version} is not the catalogue's v${version}`);
  }
  // The payload was parsed with this topic's schema just above, so the pair is consistent.
  return { id: job.id, topic, version, occurredAt: job.occurredAt, payload } as DomainEvent;
}
