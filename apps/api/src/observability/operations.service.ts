import type { Database } from '@evently/db';
import type { QueuePort } from '@evently/platform';
import type { Kysely } from 'kysely';
import { sentEmailsRepository } from '../modules/notifications/sent-emails.repository.js';
import { type OutboxStats, outboxStats } from './outbox-stats.query.js';

/**
 * The deployment's operational state, read from where it lives (Postgres and the queue), so
 * every API instance reports the same figures whether the worker runs in its process or not.
 * A part whose source is unreachable is left out (and its `up` flag is false).
 */
/** A queue's jobs by state (our own type: this one is on the tRPC context, see context.ts). */
export interface QueueDepth {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface OperationsSnapshot {
  outbox?: OutboxStats;
  queues?: { queue: string; counts: QueueDepth }[];
  mails?: { pending: number; sent: number; dead: number };
}

export interface OperationsService {
  snapshot(): Promise<OperationsSnapshot>;
}

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

export function createOperationsService(deps: {
  db: Kysely<Database>;
  queue: QueuePort;
  /** The queues whose depths are reported (WORKER_QUEUES). */
  queues: readonly string[];
}): OperationsService {
  return {
    async snapshot() {
      const [outbox, queues, mails] = await Promise.all([
        orUndefined(() => outboxStats(deps.db)),
        orUndefined(() =>
          Promise.all(
            deps.queues.map(async (queue) => ({ queue, counts: await deps.queue.counts(queue) })),
          ),
        ),
        orUndefined(() => sentEmailsRepository.countByStatus(deps.db)),
      ]);
      return {
        ...(outbox && { outbox }),
        ...(queues && { queues }),
        ...(mails && { mails }),
      };
    },
  };
}
