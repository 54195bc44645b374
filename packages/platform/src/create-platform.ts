import type { Logger } from 'pino';
import type { CachePort } from './cache/cache.port.js';
import { createMemoryCache } from './cache/memory-cache.js';
import { createRedisCache } from './cache/redis-cache.js';
import type { LockPort } from './locks/lock.port.js';
import { createMemoryLocks } from './locks/memory-locks.js';
import { createRedisLocks } from './locks/redis-locks.js';
import type { DevMailbox, MailerPort } from './mailer/mailer.port.js';
import { createMemoryMailer } from './mailer/memory-mailer.js';
import { createSmtpMailer } from './mailer/smtp-mailer.js';
import { createMemoryPubSub } from './pubsub/memory-pubsub.js';
import type { PubSubPort } from './pubsub/pubsub.port.js';
import { createRedisPubSub } from './pubsub/redis-pubsub.js';
import { createBullmqQueue } from './queue/bullmq-queue.js';
import { createMemoryQueue } from './queue/memory-queue.js';
import type { QueuePort } from './queue/queue.port.js';
import { createMemoryRateLimits } from './rate-limit/memory-rate-limits.js';
import type { RateLimiterFactory } from './rate-limit/rate-limit.port.js';
import { createRedisRateLimits } from './rate-limit/redis-rate-limits.js';
import { createRedis } from './redis/redis-connection.js';
import { waitForRedis } from './redis/wait-for-redis.js';

export interface PlatformConfig {
  /** Unset: every Redis-backed port runs in-process. */
  redisUrl?: string | undefined;
  /** Unset: mails are logged and kept in the dev mailbox. */
  smtpUrl?: string | undefined;
  mailFrom: string;
  /** Namespaces every Redis key, so several deployments (or test files) share one Redis. */
  prefix: string;
}

export interface PlatformCheck {
  name: string;
  check(): Promise<void>;
}

export interface Platform {
  redis: 'in-process' | 'redis';
  mail: 'dev-mailbox' | 'smtp';
  locks: LockPort;
  cache: CachePort;
  pubsub: PubSubPort;
  queue: QueuePort;
  rateLimits: RateLimiterFactory;
  mailer: MailerPort;
  /** Present only when mails are kept in memory (embedded mode). */
  devMailbox: DevMailbox | undefined;
  /** Readiness checks for the dependencies the platform talks to. */
  checks: PlatformCheck[];
  close(): Promise<void>;
}

/** At most one line per 10 s: a Redis outage must not flood the log with reconnect errors. */
function throttledWarn(log: Logger, message: string): (error: Error, queue: string) => void {
  let last = 0;
  return (error, queue) => {
    if (Date.now() - last < 10_000) return;
    last = Date.now();
    log.warn({ err: error, queue }, message);
  };
}

type Ports = Pick<Platform, 'locks' | 'cache' | 'pubsub' | 'queue' | 'rateLimits'>;

interface RedisPorts extends Ports {
  checks: PlatformCheck[];
  disconnect(): void;
}

function memoryPorts(): Ports {
  return {
    locks: createMemoryLocks(),
    cache: createMemoryCache({ max: 10_000 }),
    pubsub: createMemoryPubSub(),
    queue: createMemoryQueue(),
    rateLimits: createMemoryRateLimits(),
  };
}

async function redisPorts(url: string, rawPrefix: string, log: Logger): Promise<RedisPorts> {
  const prefix = rawPrefix.endsWith(':') ? rawPrefix : `${rawPrefix}:`;
  const redis = createRedis(url, 'command');
  // Start even when Redis is down: /health/ready says so, calls fail fast with
  // SERVICE_UNAVAILABLE, and everything reconnects when it is back.
  await waitForRedis(redis, 5_000).catch((error: unknown) =>
    log.warn({ err: error }, 'Redis is not reachable yet; continuing, it will reconnect'),
  );
  const queue = createBullmqQueue({
    url,
    prefix: `${prefix}bull`,
    onError: throttledWarn(log, 'queue connection error'),
  });
  return {
    locks: await createRedisLocks(redis, { prefix }),
    cache: await createRedisCache(redis, { prefix }),
    pubsub: await createRedisPubSub(url, { prefix }),
    queue,
    rateLimits: await createRedisRateLimits(redis, { prefix }),
    checks: [
      { name: 'redis', check: async () => void (await redis.ping()) },
      { name: 'queue', check: async () => void (await queue.counts('health')) },
    ],
    disconnect: () => redis.disconnect(),
  };
}

function mailers(
  config: PlatformConfig,
  log: Logger,
): { mailer: MailerPort; devMailbox: DevMailbox | undefined } {
  if (config.smtpUrl) {
    return {
      mailer: createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom }),
      devMailbox: undefined,
    };
  }
  const memory = createMemoryMailer(log.child({ component: 'mailer' }));
  return { mailer: memory, devMailbox: memory };
}

/** Picks each port's implementation from the configuration: Redis/SMTP when given, in-process otherwise. */
export async function createPlatform(config: PlatformConfig, log: Logger): Promise<Platform> {
  const { mailer, devMailbox } = mailers(config, log);
  const {
    checks = [],
    disconnect,
    ...ports
  }: Partial<RedisPorts> & Ports = config.redisUrl
    ? await redisPorts(config.redisUrl, config.prefix, log)
    : memoryPorts();
  return {
    redis: config.redisUrl ? 'redis' : 'in-process',
    mail: config.smtpUrl ? 'smtp' : 'dev-mailbox',
    ...ports,
    mailer,
    devMailbox,
    checks,
    async close() {
      // The queue first: its workers may still be finishing jobs that use the other ports.
      await ports.queue.close();
      await Promise.all([
        ports.locks.close(),
        ports.cache.close(),
        ports.pubsub.close(),
        mailer.close(),
      ]);
      disconnect?.();
    },
  };
}
