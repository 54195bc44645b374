import type { JobToAdd, QueuePort } from '../queue/queue.port.js';
import { type Consumer, consumerQueueName, isSubscribed } from './consumer.js';
import { type DeliveryJob, type OutboxRow, toDeliveryJob } from './delivery-job.js';

export interface DeliveryBatch {
  /**
   * One job per consumer for the row (by default every consumer subscribed to its topic);
   * returns how many jobs that made.
   */
  add(row: OutboxRow, jobId: string, consumers?: readonly Consumer[]): number;
  /** One addBulk per consumer queue; rejects if any fails (the caller's transaction rolls back). */
  enqueue(queue: QueuePort): Promise<void>;
}

export function subscribersOf(consumers: readonly Consumer[], topic: string): Consumer[] {
  return consumers.filter((consumer) => isSubscribed(consumer, topic));
}

/**
 * Delivery jobs of a batch of outbox rows, grouped by consumer queue. The `jobId` is the outbox
 * id on the first relay (a relay that crashed after enqueueing enqueues again and the queue
 * drops the known id) and a fresh one per re-delivery (so the queue does not drop it).
 */
export function createDeliveryBatch(consumers: readonly Consumer[]): DeliveryBatch {
  const jobs = new Map<string, JobToAdd<DeliveryJob>[]>();
  return {
    add(row, jobId, targets = subscribersOf(consumers, row.topic)) {
      const data = toDeliveryJob(row);
      for (const consumer of targets) {
        const queue = consumerQueueName(consumer.name);
        let list = jobs.get(queue);
        if (!list) {
          list = [];
          jobs.set(queue, list);
        }
        list.push({ name: row.topic, data, options: { jobId } });
      }
      return targets.length;
    },
    async enqueue(queue) {
      await Promise.all([...jobs].map(([name, list]) => queue.addBulk(name, list)));
    },
  };
}
