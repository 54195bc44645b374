import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisServer, startRedisServer } from '../testing/redis-server.js';
import type { PubSubPort } from './pubsub.port.js';
import { createRedisPubSub } from './redis-pubsub.js';

// Runs against its own throwaway redis-server, which it restarts and kills.
describe('redis pub/sub when Redis restarts', () => {
  let server: RedisServer;
  let pubsub: PubSubPort;

  beforeAll(async () => {
    server = await startRedisServer();
    pubsub = await createRedisPubSub(server.url, { prefix: 'fault:' });
  });
  afterAll(async () => {
    await pubsub.close();
    await server.kill();
  });

  it('rejects a publish while Redis is down, and resubscribes once it is back', async () => {
    const channel = randomUUID();
    const received: string[] = [];
    await pubsub.subscribe(channel, (message) => void received.push(message));

    await server.kill();
    await expect(pubsub.publish(channel, 'lost')).rejects.toThrow();

    await server.restart();
    // The subscriber reconnects with backoff and subscribes again on its own; keep publishing
    // until a message gets through.
    await vi.waitFor(
      async () => {
        await pubsub.publish(channel, 'back');
        expect(received).toContain('back');
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(received).not.toContain('lost');
  });
});
