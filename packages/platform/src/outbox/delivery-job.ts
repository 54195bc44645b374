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
  const job = deliveryJobSchema.parse(data);
  const topic = job.topic;
  if (!isDomainTopic(topic)) throw new Error(`event ${job.id}: unknown topic ${topic}`);
  const { version, payload } = parseDomainEvent(topic, job.payload);
  if (job.version !== version) {
    throw new Error(`event ${job.id}: ${topic} v${job.version} is not the catalogue's v${version}`);
  }
  // The payload was parsed with this topic's schema just above, so the pair is consistent.
  return { id: job.id, topic, version, occurredAt: job.occurredAt, payload } as DomainEvent;
}
