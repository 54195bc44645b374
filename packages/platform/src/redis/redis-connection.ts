import { Redis, type RedisOptions } from 'ioredis';

/**
 * How a connection is used decides how it behaves when Redis is away:
 * - `command`: producers and request-path calls fail fast (no offline queue, one retry), so a
 *   request gets SERVICE_UNAVAILABLE instead of hanging;
 * - `blocking`: BullMQ workers and subscribers reconnect forever and wait (BullMQ requires
 *   `maxRetriesPerRequest: null`, or the Worker throws and leaks a socket).
 */
export type RedisRole = 'command' | 'blocking';

export function createRedis(
  url: string,
  role: RedisRole,
  /** Tests stretch the reconnect backoff to tell "failed at once" from "waited for Redis". */
  tuning: Pick<RedisOptions, 'retryStrategy'> = {},
): Redis {
  const common = {
    lazyConnect: false,
    // Reconnect forever, backing off to 2 s.
    retryStrategy: (times: number) => Math.min(times * 100, 2_000),
    connectTimeout: 2_000,
    ...tuning,
  } satisfies RedisOptions;
  const options: RedisOptions =
    role === 'command'
      ? {
          ...common,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          // Commands issued in one tick go out in one write: under load every request's session
          // check would otherwise be a socket write (and a syscall) of its own.
          enableAutoPipelining: true,
        }
      : { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null };
  const redis = new Redis(url, options);
  // Connection errors surface through the commands that fail; an unhandled 'error' event would
  // crash the process.
  redis.on('error', () => {});
  return redis;
}
