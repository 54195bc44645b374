import { randomUUID } from 'node:crypto';
import type { Database } from '@evently/db';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import {
  connectTestRedis,
  deleteKeysByPrefix,
  type RedisCluster,
  type RedisServer,
  startRedisCluster,
  startRedisServer,
  TEST_REDIS_URL,
} from '@evently/platform/testing';
import type { EventlyClient } from '@evently/sdk';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import {
  type ApiCluster,
  type ApiProcess,
  type Caller,
  clientOf,
  startApiCluster,
} from './api-cluster.js';
import { type WorkerProcess, workerProcess } from './worker-process.js';

/** A database of its own with the production layout of the API on it, and callers signed in. */
export interface ClusterCast {
  database: TestDatabase;
  db: Kysely<Database>;
  cluster: ApiCluster;
  apis: ApiProcess[];
  /** The Redis key prefix every process shares (REDIS_PREFIX). */
  prefix: string;
  /** The throwaway redis-server the processes use, when one was asked for. */
  redisServer: RedisServer | undefined;
  /** The throwaway Redis Cluster the processes use (REDIS_URL redis+cluster://…), when asked for. */
  redisCluster: RedisCluster | undefined;
  /** The `pnpm start:worker` beside the API processes, when one was asked for. */
  worker: WorkerProcess | undefined;
  /** The organizer's client, through `apis[organizerVia]`. */
  organizer: EventlyClient;
  attendees: Caller[];
}

/**
 * Registers, in the calling describe, `startApiCluster` on a test database of its own (named
 * after `database`) with an organizer and `attendees` users signed in, and its cleanup: the
 * processes, the database, and the Redis keys of the prefix (or the throwaway redis-server or
 * Redis Cluster). Each cleanup step runs even when one before it fails.
 */
export function useApiCluster(options: {
  database: string;
  attendees: number;
  /**
   * `throwaway`: a redis-server of the test's own, which it may kill (never the shared one);
   * `cluster`: a Redis Cluster of its own (3 masters, 3 replicas), whose nodes it may kill.
   */
  redis?: 'shared' | 'throwaway' | 'cluster';
  /** Also a `pnpm start:worker` on the same database and Redis (outbox relay, hold expiry). */
  worker?: boolean;
  /** The processes' names (default A and B). */
  names?: string[];
  logLevel?: 'error' | 'warn' | 'info';
  /** Which process the organizer's client calls (default the first). */
  organizerVia?: number;
  /** More variables for every process. */
  env?: Record<string, string>;
}): () => ClusterCast {
  let cast: ClusterCast | undefined;
  let database: TestDatabase | undefined;
  let cluster: ApiCluster | undefined;
  let redisServer: RedisServer | undefined;
  let redisCluster: RedisCluster | undefined;
  let worker: WorkerProcess | undefined;
  const prefix = `t:${randomUUID()}`;

  beforeAll(async () => {
    database = await createTestDatabase(options.database);
    if (options.redis === 'throwaway') redisServer = await startRedisServer();
    if (options.redis === 'cluster') redisCluster = await startRedisCluster();
    const redisUrl = redisServer?.url ?? redisCluster?.url ?? TEST_REDIS_URL;
    if (options.worker) {
      worker = workerProcess({
        NODE_ENV: 'production',
        DATABASE_URL: database.url,
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        // Its ready line is an info line.
        LOG_LEVEL: 'info',
        ...options.env,
      });
      await worker.start();
    }
    cluster = await startApiCluster({
      database: { url: database.url, db: database.handle.db },
      redisUrl,
      redisPrefix: prefix,
      ...(options.names && { names: options.names }),
      ...(options.logLevel && { logLevel: options.logLevel }),
      ...(options.env && { env: options.env }),
    });
    const [owner] = await cluster.signIn(1, 'organizer');
    const via = cluster.apis[options.organizerVia ?? 0];
    if (!owner || !via) throw new Error('no organizer');
    cast = {
      database,
      db: database.handle.db,
      cluster,
      apis: cluster.apis,
      prefix,
      redisServer,
      redisCluster,
      worker,
      organizer: clientOf(via, owner),
      attendees: await cluster.signIn(options.attendees, 'user'),
    };
  }, 120_000);

  afterAll(async () => {
    // Each step even when one before it failed: nothing may outlive the file.
    const steps = [
      () => cluster?.stop(),
      () => worker?.kill(),
      () => redisServer?.kill(),
      () => redisCluster?.stop(),
      () => (redisServer || redisCluster ? undefined : deleteSharedKeys(prefix)),
      () => database?.drop(),
    ];
    const failures: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'cluster cleanup failed');
  });

  return () => {
    if (!cast) throw new Error('the cluster starts in beforeAll');
    return cast;
  };
}

/** The prefix's keys in the shared Redis (which is never stopped). */
async function deleteSharedKeys(prefix: string): Promise<void> {
  const redis = await connectTestRedis();
  try {
    await deleteKeysByPrefix(redis, `${prefix}:`);
  } finally {
    redis.disconnect();
  }
}
