import { Cluster } from 'ioredis';
import { createRedis } from '../redis/redis-connection.js';
import { waitForRedis } from '../redis/wait-for-redis.js';
import type { PubSubPort, Unsubscribe } from './pubsub.port.js';
import { type HandlerErrorReporter, warnOnHandlerError } from './pubsub-options.js';

export interface RedisPubSubOptions {
  /** Prepended to every channel name (`<prefix>pubsub:<channel>`). */
  prefix: string;
  onHandlerError?: HandlerErrorReporter;
}

interface Subscription {
  handlers: Set<(message: string) => void>;
  /** Settles when Redis confirmed the SUBSCRIBE; later subscribers of the channel wait for it too. */
  active: Promise<unknown>;
}

/**
 * Redis pub/sub across processes. Publishing uses a 'command' connection (fails fast); the
 * subscriber has its own 'blocking' connection, which reconnects forever and — ioredis's
 * default autoResubscribe — subscribes again to every channel after a reconnect. Messages
 * published while it is disconnected are lost: pub/sub is fire-and-forget.
 *
 * On a Redis Cluster it is sharded pub/sub (SPUBLISH/SSUBSCRIBE, ioredis' `shardedSubscribers`):
 * a channel lives on the master of its slot. Plain PUBLISH has no key, so ioredis sends each to
 * a random node and the cluster bus relays it — two messages of one channel could arrive out of
 * order (the contract test saw it), and every message would cross every node.
 */
export async function createRedisPubSub(
  url: string,
  options: RedisPubSubOptions,
): Promise<PubSubPort> {
  const onHandlerError = options.onHandlerError ?? warnOnHandlerError;
  const publisher = createRedis(url, 'command');
  const subscriber = createRedis(url, 'subscriber');
  const sharded = subscriber instanceof Cluster;
  // Best effort: a Redis that is down at start must not stop the process (readiness reports
  // it); both connections keep reconnecting.
  await Promise.all([waitForRedis(publisher, 5_000), waitForRedis(subscriber, 5_000)]).catch(
    () => {},
  );

  const channelName = (channel: string) => `${options.prefix}pubsub:${channel}`;
  // Keyed by the full Redis channel name.
  const subscriptions = new Map<string, Subscription>();

  subscriber.on(sharded ? 'smessage' : 'message', (name: string, message: string) => {
    const subscription = subscriptions.get(name);
    if (!subscription) return;
    const channel = name.slice(channelName('').length);
    for (const handler of [...subscription.handlers]) {
      try {
        handler(message);
      } catch (error) {
        onHandlerError(error, channel);
      }
    }
  });

  return {
    async publish(channel, message) {
      if (sharded) await publisher.spublish(channelName(channel), message);
      else await publisher.publish(channelName(channel), message);
    },

    async subscribe(channel, handler): Promise<Unsubscribe> {
      const name = channelName(channel);
      let subscription = subscriptions.get(name);
      if (!subscription) {
        const active = sharded ? subscriber.ssubscribe(name) : subscriber.subscribe(name);
        subscription = { handlers: new Set(), active };
        subscriptions.set(name, subscription);
      }
      // A fresh wrapper per call, so the same function subscribed twice is two subscriptions.
      const entry = (message: string) => handler(message);
      subscription.handlers.add(entry);
      const current = subscription;

      const unsubscribe: Unsubscribe = async () => {
        if (!current.handlers.delete(entry)) return;
        if (current.handlers.size > 0 || subscriptions.get(name) !== current) return;
        subscriptions.delete(name);
        // Commands on one connection run in order, so a later SUBSCRIBE of the same channel
        // still wins over this UNSUBSCRIBE.
        if (sharded) await subscriber.sunsubscribe(name);
        else await subscriber.unsubscribe(name);
      };

      try {
        await current.active;
      } catch (error) {
        await unsubscribe().catch(() => {});
        throw error;
      }
      return unsubscribe;
    },

    async close() {
      subscriptions.clear();
      subscriber.disconnect();
      await publisher.quit().catch(() => publisher.disconnect());
    },
  };
}
