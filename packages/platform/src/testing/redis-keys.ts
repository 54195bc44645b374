import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from '../redis/redis-connection.js';

/**
 * Deletes every key under `prefix`: a test file's cleanup on the shared Redis (never FLUSHDB).
 * On a cluster every master is scanned (each holds only its slots) and keys go one DEL each (a
 * multi-key DEL is CROSSSLOT).
 */
export async function deleteKeysByPrefix(redis: RedisClient, prefix: string): Promise<void> {
  const nodes: Redis[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (redis instanceof Cluster) await Promise.all(keys.map((key) => redis.del(key)));
      else if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  }
}
