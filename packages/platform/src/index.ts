export type { CachePort } from './cache/cache.port.js';
export { EnvError, parseEnv, platformEnvShape } from './config/platform-env.js';
export {
  createPlatform,
  type Platform,
  type PlatformCheck,
  type PlatformConfig,
} from './create-platform.js';
export type { LockOptions, LockPort } from './locks/lock.port.js';
export { LockUnavailableError } from './locks/lock.port.js';
export { createLogger } from './logging/create-logger.js';
export type { DevMailbox, Mail, MailerPort, SentMail } from './mailer/mailer.port.js';
export type { PubSubPort, Unsubscribe } from './pubsub/pubsub.port.js';
export type * from './queue/queue.port.js';
export type * from './rate-limit/rate-limit.port.js';
export { createRedis, type RedisRole } from './redis/redis-connection.js';
