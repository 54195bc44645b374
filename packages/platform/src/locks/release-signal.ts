import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster } from 'ioredis';
import type { RedisClient } from '../redis/redis-connection.js';

/**
 * Wakes lock waiters when a holder releases, so they need not poll: a waiter that polled every
 * few ms cost a socket write per poll and still arrived late. Redis pub/sub on one channel per
 * lock prefix, the message being the released resource. Best effort: a lost message (Redis
 * restarting, subscriber reconnecting) only means the waiter wakes at its timeout instead.
 */
export interface ReleaseSignal {
  /**
   * Starts listening for `resource`'s release — before the attempt that may fail, so a release
   * landing between the failure and the wait is not missed.
   */
  listen(resource: string): ReleaseListener;
  announce(resource: string): void;
  close(): Promise<void>;
}

export interface ReleaseListener {
  /** Resolves once a release was announced since `listen`, or after `timeoutMs`; then stops. */
  wait(timeoutMs: number): Promise<void>;
  stop(): void;
}

export function createReleaseSignal(redis: RedisClient, channel: string): ReleaseSignal {
  const waiters = new Map<string, Set<() => void>>();
  let subscriber: RedisClient | undefined;
  // Messages are `<sender>|<resource>`: an instance wakes its own waiters directly, and must not
  // be woken by the echo of its own announcement (a holder that yields waits for the others).
  const sender = randomUUID();
  const sharded = redis instanceof Cluster;

  function wakeAll(resource: string): void {
    const wakes = waiters.get(resource);
    if (!wakes) return;
    waiters.delete(resource);
    for (const wake of wakes) wake();
  }

  // Lazily: an instance that never waits needs no second connection.
  function subscribe(): void {
    if (subscriber) return;
    // A subscriber must queue while (re)connecting and re-subscribes by itself after a reconnect.
    // On a cluster it is sharded pub/sub: the channel lives on its slot's master, so a message
    // goes straight there instead of being relayed to every node (plain PUBLISH goes to a random
    // node), and ioredis moves the subscription when that master fails over.
    const duplicate: RedisClient =
      redis instanceof Cluster
        ? redis.duplicate([], {
            enableOfflineQueue: true,
            enableAutoPipelining: false,
            shardedSubscribers: true,
            retryDelayOnFailover: 200,
            retryDelayOnClusterDown: 200,
            redisOptions: { maxRetriesPerRequest: null },
          })
        : redis.duplicate({
            enableOfflineQueue: true,
            maxRetriesPerRequest: null,
            enableAutoPipelining: false,
          });
    subscriber = duplicate;
    duplicate.on('error', () => {});
    duplicate.on(sharded ? 'smessage' : 'message', (_channel: string, message: string) => {
      const bar = message.indexOf('|');
      if (message.slice(0, bar) !== sender) wakeAll(message.slice(bar + 1));
    });
    void (sharded ? duplicate.ssubscribe(channel) : duplicate.subscribe(channel)).catch(() => {});
  }

  return {
    listen(resource) {
      subscribe();
      const woken = new AbortController();
      let wakes = waiters.get(resource);
      if (!wakes) {
        wakes = new Set();
        waiters.set(resource, wakes);
      }
      const wake = () => woken.abort();
      wakes.add(wake);
      const stop = () => {
        const current = waiters.get(resource);
        current?.delete(wake);
        if (current?.size === 0) waiters.delete(resource);
      };
      return {
        async wait(timeoutMs) {
          await sleep(timeoutMs, undefined, { signal: woken.signal }).catch(() => {});
          stop();
        },
        stop,
      };
    },
    announce(resource) {
      wakeAll(resource);
      const message = `${sender}|${resource}`;
      void (sharded ? redis.spublish(channel, message) : redis.publish(channel, message)).catch(
        () => {},
      );
    },
    async close() {
      for (const wakes of waiters.values()) for (const wake of wakes) wake();
      waiters.clear();
      subscriber?.disconnect();
    },
  };
}
