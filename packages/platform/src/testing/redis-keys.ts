import type { RedisClient } from '../redis/redis-connection.js';

/** Deletes every key under `prefix`: a test file's cleanup on the shared Redis (never FLUSHDB). */
export async function deleteKeysByPrefix(redis: RedisClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
