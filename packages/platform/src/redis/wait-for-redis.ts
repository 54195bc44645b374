import type { RedisClient } from './redis-connection.js';

/**
 * Resolves once `redis` is ready for commands. A 'command' connection has no offline queue, so a
 * command sent while it is still connecting fails at once; factories wait here first. Rejects
 * after `timeoutMs` with the last connection error as the cause, so start-up fails clearly
 * instead of hanging when Redis is unreachable.
 */
export async function waitForRedis(redis: RedisClient, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'end') throw new Error('Redis connection is closed');
  let lastError: unknown;
  await new Promise<void>((resolve, reject) => {
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (error: unknown) => {
      lastError = error;
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('Redis connection closed before it was ready', { cause: lastError }));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms`, { cause: lastError }));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      redis.off('end', onEnd);
    };
    redis.on('ready', onReady);
    redis.on('error', onError);
    redis.on('end', onEnd);
  });
}
