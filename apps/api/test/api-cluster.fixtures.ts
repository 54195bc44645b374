import { randomUUID } from 'node:crypto';
import type { Database } from '@evently/db';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import {
  connectTestRedis,
  deleteKeysByPrefix,
  type RedisServer,
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
  /** The organizer's client, through `apis[organizerVia]`. */
  organizer: EventlyClient;
  attendees: Caller[];
}

/**
 * Registers, in the calling describe, `startApiCluster` on a test database of its own (named
 * after `database`) with an organizer and `attendees` users signed in, and its cleanup: the
 * processes, the database, and the Redis keys of the prefix (or the throwaway redis-server).
 */
export function useApiCluster(options: {
  database: string;
  attendees: number;
  /** `throwaway`: a redis-server of the test's own, which it may kill (never the shared one). */
  redis?: 'shared' | 'throwaway';
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
  const prefix = `t:${randomUUID()}`;

  beforeAll(async () => {
    database = await createTestDatabase(options.database);
    if (options.redis === 'throwaway') redisServer = await startRedisServer();
    cluster = await startApiCluster({
      database: { url: database.url, db: database.handle.db },
      redisUrl: redisServer?.url ?? TEST_REDIS_URL,
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
      organizer: clientOf(via, owner),
      attendees: await cluster.signIn(options.attendees, 'user'),
    };
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    if (redisServer) {
      await redisServer.kill();
    } else {
      const redis = await connectTestRedis();
      await deleteKeysByPrefix(redis, `${prefix}:`);
      redis.disconnect();
    }
    await database?.drop();
  });

  return () => {
    if (!cast) throw new Error('the cluster starts in beforeAll');
    return cast;
  };
}
