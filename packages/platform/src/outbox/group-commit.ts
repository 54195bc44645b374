import type { DomainEvent } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import {
  type AfterCommit,
  type Consumer,
  type DeliveryOutcome,
  isSubscribed,
  jobOutcome,
} from './consumer.js';
import { parseDeliveryJobs, throwIfFailed } from './delivery-job.js';

export interface GroupCommit {
  /**
   * Delivers a job's event (or a batch job's events) with whatever else is pending; settles when
   * every one of them has committed, or fails once all of them settled if any failed.
   */
  deliver(jobData: unknown): Promise<DeliveryOutcome>;
}

interface Pending {
  event: DomainEvent;
  resolve(outcome: DeliveryOutcome): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** At most this many events per transaction. Default 500. */
  maxBatch?: number;
}

/**
 * Group commit for a consumer with `handleBatch`: the events of concurrent jobs queue up while a
 * transaction runs, and the next transaction takes all of them. Each batch claims its events in
 * processed_events and applies their effect in ONE transaction, so exactly-once still holds. A
 * failed batch is tried again event by event, each in a transaction of its own, so one event that
 * cannot be applied fails only its own job (the queue retries it, and a retry is a new claim).
 * One batch at a time per process: batches never contend with each other here.
 */
export function createGroupCommit(
  db: Kysely<Database>,
  consumer: Consumer,
  options: GroupCommitOptions = {},
): GroupCommit {
  const own = consumer.handleBatch?.bind(consumer);
  if (!own) throw new Error(`${consumer.name} has no handleBatch`);
  const handleBatch: NonNullable<Consumer['handleBatch']> = own;
  const maxBatch = options.maxBatch ?? 500;
  let queue: Pending[] = [];
  let running = false;

  async function commit(batch: Pending[]): Promise<void> {
    // One job per distinct event gets the claim; the others in the batch are duplicates.
    const first = new Map<string, Pending>();
    for (const p of batch) if (!first.has(p.event.id)) first.set(p.event.id, p);
    // Claimed in id order: two batches sharing events lock their keys in one order.
    const ids = [...first.keys()].sort();
    let afterCommit: AfterCommit | undefined;
    const claimed = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .insertInto('processed_events')
        .values(ids.map((id) => ({ consumer: consumer.name, event_id: id })))
        .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
        .returning('event_id')
        .execute();
      const taken = new Set(rows.map((r) => r.event_id));
      const events = [...first.values()].filter((p) => taken.has(p.event.id)).map((p) => p.event);
      if (events.length > 0) {
        const after = await handleBatch(trx, events);
        if (typeof after === 'function') afterCommit = after;
      }
      return taken;
    });
    if (afterCommit) {
      try {
        await afterCommit();
      } catch (error) {
        // The effect committed, so its jobs fail (a retry is a duplicate). Thrown on, it would
        // make the caller take the batch for a rolled-back one and commit it again event by
        // event, where every event is a duplicate: the failure would vanish.
        for (const p of batch) p.reject(error);
        return;
      }
    }
    for (const p of batch) {
      p.resolve(first.get(p.event.id) === p && claimed.has(p.event.id) ? 'applied' : 'duplicate');
    }
  }

  /** After a failed batch: each event alone (its duplicates with it), so only the bad ones fail. */
  async function commitOneByOne(batch: Pending[], batchError: unknown): Promise<void> {
    const byEvent = new Map<string, Pending[]>();
    for (const p of batch) byEvent.set(p.event.id, [...(byEvent.get(p.event.id) ?? []), p]);
    if (byEvent.size === 1) {
      for (const p of batch) p.reject(batchError);
      return;
    }
    for (const group of byEvent.values()) {
      try {
        await commit(group);
      } catch (error) {
        for (const p of group) p.reject(error);
      }
    }
  }

  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(maxBatch);
        try {
          await commit(batch);
        } catch (error) {
          await commitOneByOne(batch, error);
        }
      }
    } finally {
      running = false;
    }
  }

  function deliverOne(event: DomainEvent): Promise<DeliveryOutcome> {
    if (!isSubscribed(consumer, event.topic)) return Promise.resolve('ignored');
    return new Promise<DeliveryOutcome>((resolve, reject) => {
      queue.push({ event, resolve, reject });
      // Let the jobs the queue hands over in this tick join the batch.
      setImmediate(() => void drain());
    });
  }

  return {
    async deliver(jobData) {
      const { events, errors } = parseDeliveryJobs(jobData);
      const settled = await Promise.allSettled(events.map(deliverOne));
      const outcomes: DeliveryOutcome[] = [];
      for (const result of settled) {
        if (result.status === 'fulfilled') outcomes.push(result.value);
        else errors.push(result.reason);
      }
      throwIfFailed(errors);
      return jobOutcome(outcomes);
    },
  };
}
