import { randomUUID } from 'node:crypto';
import { createRedis, type RedisClient, type RedisRole } from '../redis/redis-connection.js';
import { waitForRedis } from '../redis/wait-for-redis.js';

/** The shared Redis the tests run against; each test file keeps to its own key prefix. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test file uses: `t:<uuid>:`. */
export function testPrefix(): string {
  return `t:${randomUUID()}:`;
}

/** A ready connection (commands fail at once on a 'command' connection that is still connecting). */
export async function connectTestRedis(
  role: RedisRole = 'command',
  url = TEST_REDIS_URL,
): Promise<RedisClient> {
  const redis = createRedis(url, role);
  await waitForRedis(redis);
  return redis;
}
