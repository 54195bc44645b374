import { createHash } from 'node:crypto';
import type { JobToAdd, QueuePort } from '../queue/queue.port.js';
import { type Consumer, consumerQueueName, isSubscribed } from './consumer.js';
import {
  type DeliveryJob,
  type DeliveryJobs,
  type OutboxRow,
  toDeliveryJob,
} from './delivery-job.js';

export interface DeliveryBatch {
  /**
   * One delivery of the row to each consumer (by default every consumer subscribed to its
   * topic); returns how many consumers that made.
   */
  add(row: OutboxRow, jobId: string, consumers?: readonly Consumer[]): number;
  /** One addBulk per consumer queue; rejects if any fails (the caller's transaction rolls back). */
  enqueue(queue: QueuePort): Promise<void>;
}

export function subscribersOf(consumers: readonly Consumer[], topic: string): Consumer[] {
  return consumers.filter((consumer) => isSubscribed(consumer, topic));
}

/** The name of a job that carries several events. */
export const BATCH_JOB_NAME = 'events';

/**
 * A batch job's id, from the ids its events would have had alone: the same rows relayed again
 * (handed back after an enqueue that failed half-way) give the same id, which the queue drops; a
 * re-delivery (`<outboxId>.r<n>`) gives a new one. Hashed: a list of ids would be too long for a
 * key.
 */
function batchJobId(eventJobIds: readonly string[]): string {
  const digest = createHash('sha256').update(eventJobIds.join(',')).digest('base64url');
  return `batch.${digest.slice(0, 32)}`;
}

/**
 * Delivery jobs of a batch of outbox rows, grouped by consumer queue. The `jobId` is the outbox
 * id on the first relay (rows handed back after a half-failed enqueue go again and the queue
 * drops the known ids) and a fresh one per re-delivery (so the queue does not drop it).
 *
 * A consumer with group commit (`handleBatch`) gets ONE job with all of the pass's events for it
 * instead of one job per event: the queue's cost per job (two Redis scripts, a lock, the worker's
 * one-at-a-time fetch) is what limited its throughput, and its worker commits them together
 * anyway. Exactly-once still rests on processed_events, per event.
 */
export function createDeliveryBatch(consumers: readonly Consumer[]): DeliveryBatch {
  const jobs = new Map<string, JobToAdd<DeliveryJob | DeliveryJobs>[]>();
  const batched = new Map<string, { jobIds: string[]; events: DeliveryJob[] }>();
  return {
    add(row, jobId, targets = subscribersOf(consumers, row.topic)) {
      const data = toDeliveryJob(row);
      for (const consumer of targets) {
        const queue = consumerQueueName(consumer.name);
        if (!consumer.handleBatch) {
          const list = jobs.get(queue) ?? [];
          list.push({ name: row.topic, data, options: { jobId } });
          jobs.set(queue, list);
          continue;
        }
        const batch = batched.get(queue) ?? { jobIds: [], events: [] };
        batch.jobIds.push(jobId);
        batch.events.push(data);
        batched.set(queue, batch);
      }
      return targets.length;
    },
    async enqueue(queue) {
      const lists = new Map([...jobs].map(([name, list]) => [name, [...list]]));
      for (const [name, { jobIds, events }] of batched) {
        const job = {
          name: BATCH_JOB_NAME,
          data: { events },
          options: { jobId: batchJobId(jobIds) },
        };
        lists.set(name, [...(lists.get(name) ?? []), job]);
      }
      await Promise.all([...lists].map(([name, list]) => queue.addBulk(name, list)));
    },
  };
}
