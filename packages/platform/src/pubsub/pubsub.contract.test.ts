import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedRedisCluster, stopSharedRedisCluster } from '../testing/redis-cluster.js';
import { TEST_REDIS_URL, testPrefix } from '../testing/test-redis.js';
import { createMemoryPubSub } from './memory-pubsub.js';
import type { PubSubPort } from './pubsub.port.js';
import type { HandlerErrorReporter } from './pubsub-options.js';
import { createRedisPubSub } from './redis-pubsub.js';

/** Polls wait in seconds, not vitest's default 1 s: the machine running them may be loaded. */
const POLL_TIMEOUT_MS = 15_000;

const prefix = testPrefix();
const opened: PubSubPort[] = [];

interface Backend {
  name: string;
  /** `peer` is how another API instance sees the same broadcast (for in-process: the same object). */
  setup(onHandlerError?: HandlerErrorReporter): Promise<{ pubsub: PubSubPort; peer: PubSubPort }>;
}

const backends: Backend[] = [
  {
    name: 'memory',
    async setup(onHandlerError) {
      const pubsub = createMemoryPubSub(onHandlerError ? { onHandlerError } : {});
      opened.push(pubsub);
      return { pubsub, peer: pubsub };
    },
  },
  {
    name: 'redis',
    async setup(onHandlerError) {
      const options = onHandlerError ? { prefix, onHandlerError } : { prefix };
      const [pubsub, peer] = await Promise.all([
        createRedisPubSub(TEST_REDIS_URL, options),
        createRedisPubSub(TEST_REDIS_URL, options),
      ]);
      opened.push(pubsub, peer);
      return { pubsub, peer };
    },
  },
  {
    name: 'redis cluster',
    async setup(onHandlerError) {
      const { url } = await sharedRedisCluster();
      const options = onHandlerError ? { prefix, onHandlerError } : { prefix };
      const [pubsub, peer] = await Promise.all([
        createRedisPubSub(url, options),
        createRedisPubSub(url, options),
      ]);
      opened.push(pubsub, peer);
      return { pubsub, peer };
    },
  },
];

// Pub/sub leaves no keys behind; closing the instances is the whole cleanup.
afterAll(async () => {
  try {
    await Promise.all(opened.map((pubsub) => pubsub.close()));
  } finally {
    await stopSharedRedisCluster();
  }
});

function collector() {
  const messages: string[] = [];
  return { messages, handler: (message: string) => void messages.push(message) };
}

describe.each(backends)('$name pub/sub (contract)', ({ setup }) => {
  it('delivers every message to a subscriber, in publish order', async () => {
    const { pubsub } = await setup();
    const channel = randomUUID();
    const received = collector();
    await pubsub.subscribe(channel, received.handler);
    const sent = Array.from({ length: 25 }, (_, i) => `message ${i}`);
    for (const message of sent) await pubsub.publish(channel, message);
    await expect.poll(() => received.messages, { timeout: POLL_TIMEOUT_MS }).toEqual(sent);
  });

  it('stops delivering to a handler once it unsubscribed, and only to that one', async () => {
    const { pubsub } = await setup();
    const channel = randomUUID();
    const gone = collector();
    const staying = collector();
    const unsubscribe = await pubsub.subscribe(channel, gone.handler);
    await pubsub.subscribe(channel, staying.handler);
    await pubsub.publish(channel, 'before');
    await expect.poll(() => gone.messages, { timeout: POLL_TIMEOUT_MS }).toEqual(['before']);

    await unsubscribe();
    await unsubscribe(); // idempotent
    await pubsub.publish(channel, 'after');
    await expect
      .poll(() => staying.messages, { timeout: POLL_TIMEOUT_MS })
      .toEqual(['before', 'after']);
    expect(gone.messages).toEqual(['before']);
  });

  it('delivers to subscribers of two instances, whichever instance publishes', async () => {
    const { pubsub, peer } = await setup();
    const channel = randomUUID();
    const here = collector();
    const there = collector();
    await pubsub.subscribe(channel, here.handler);
    await peer.subscribe(channel, there.handler);
    await pubsub.publish(channel, 'from one');
    await peer.publish(channel, 'from two');
    await expect
      .poll(() => here.messages, { timeout: POLL_TIMEOUT_MS })
      .toEqual(['from one', 'from two']);
    await expect
      .poll(() => there.messages, { timeout: POLL_TIMEOUT_MS })
      .toEqual(['from one', 'from two']);
  });

  it('keeps channels apart', async () => {
    const { pubsub } = await setup();
    const [first, second] = [randomUUID(), randomUUID()];
    const onFirst = collector();
    const onSecond = collector();
    await pubsub.subscribe(first, onFirst.handler);
    await pubsub.subscribe(second, onSecond.handler);
    await pubsub.publish(first, 'for first');
    await pubsub.publish(second, 'for second');
    // Published in this order, so once the second arrived the first has been routed too.
    await expect
      .poll(() => onSecond.messages, { timeout: POLL_TIMEOUT_MS })
      .toEqual(['for second']);
    expect(onFirst.messages).toEqual(['for first']);
  });

  it('subscribes again after every handler of a channel left', async () => {
    const { pubsub } = await setup();
    const channel = randomUUID();
    const first = collector();
    await (await pubsub.subscribe(channel, first.handler))();
    const second = collector();
    await pubsub.subscribe(channel, second.handler);
    await pubsub.publish(channel, 'again');
    await expect.poll(() => second.messages, { timeout: POLL_TIMEOUT_MS }).toEqual(['again']);
    expect(first.messages).toEqual([]);
  });

  it('reports a throwing handler and still serves the others', async () => {
    const failures: Array<{ error: unknown; channel: string }> = [];
    const { pubsub } = await setup((error, channel) => failures.push({ error, channel }));
    const channel = randomUUID();
    const failure = new Error('handler failed');
    await pubsub.subscribe(channel, () => {
      throw failure;
    });
    const healthy = collector();
    await pubsub.subscribe(channel, healthy.handler);
    await pubsub.publish(channel, 'm');
    await expect.poll(() => healthy.messages, { timeout: POLL_TIMEOUT_MS }).toEqual(['m']);
    expect(failures).toEqual([{ error: failure, channel }]);
  });
});

describe('redis pub/sub (Redis specifics)', () => {
  it('does not cross key prefixes', async () => {
    const channel = randomUUID();
    const [mine, other] = await Promise.all([
      createRedisPubSub(TEST_REDIS_URL, { prefix }),
      createRedisPubSub(TEST_REDIS_URL, { prefix: testPrefix() }),
    ]);
    opened.push(mine, other);
    const foreign = collector();
    const own = collector();
    await other.subscribe(channel, foreign.handler);
    await mine.subscribe(channel, own.handler);
    await mine.publish(channel, 'private');
    await other.publish(channel, 'marker');
    await expect.poll(() => foreign.messages, { timeout: POLL_TIMEOUT_MS }).toEqual(['marker']);
    expect(own.messages).toEqual(['private']);
  });
});
