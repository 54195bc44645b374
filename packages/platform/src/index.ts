export type { CachePort } from './cache/cache.port.js';
export { createMemoryCache } from './cache/memory-cache.js';
export { createRedisCache } from './cache/redis-cache.js';
export {
  commaList,
  duration,
  intBetween,
  optional,
  urlWithProtocols,
} from './config/env-fields.js';
export { mailEnvShape } from './config/mail-env.js';
export { EnvError, parseEnv, platformEnvShape } from './config/platform-env.js';
export { retentionEnvShape } from './config/retention-env.js';
export {
  createPlatform,
  type Platform,
  type PlatformCheck,
  type PlatformConfig,
} from './create-platform.js';
export { type LockOptions, type LockPort, LockUnavailableError } from './locks/lock.port.js';
export { LockBackendError } from './locks/lock-backend-error.js';
export { LockExpiredError } from './locks/lock-expired-error.js';
export { createMemoryLocks } from './locks/memory-locks.js';
export { createRedisLocks } from './locks/redis-locks.js';
export { createLogger } from './logging/create-logger.js';
export { mailAttachmentSchema } from './mailer/mail-schema.js';
export type {
  DevMailbox,
  Mail,
  MailAttachment,
  MailerPort,
  SentMail,
} from './mailer/mailer.port.js';
export { createMemoryMailer, type MemoryMailer } from './mailer/memory-mailer.js';
export { createSmtpMailer } from './mailer/smtp-mailer.js';
export {
  type AfterCommit,
  type Consumer,
  type ConsumerDefinition,
  consumerQueueName,
  type DeliveryOutcome,
  defineConsumer,
  deliverEvent,
} from './outbox/consumer.js';
export { type DeliveryJob, toDeliveryJob } from './outbox/delivery-job.js';
export { createGroupCommit, type GroupCommit } from './outbox/group-commit.js';
export {
  createListeningPollLoop,
  drainInLanes,
  type ListeningPollLoop,
  type ListeningPollLoopOptions,
} from './outbox/listening-poll-loop.js';
export { createPollLoop, type PollLoop, type PollLoopOptions } from './outbox/poll-loop.js';
export { createOutboxReconciler, type OutboxReconciler } from './outbox/reconciler.js';
export {
  type Infrastructure,
  type InfrastructureEnv,
  openInfrastructure,
} from './process/open-infrastructure.js';
export { stopOnSignals } from './process/stop-on-signals.js';
export { createMemoryPubSub } from './pubsub/memory-pubsub.js';
export type { PubSubPort, Unsubscribe } from './pubsub/pubsub.port.js';
export { createRedisPubSub } from './pubsub/redis-pubsub.js';
export { createBullmqQueue } from './queue/bullmq-queue.js';
export { createMemoryQueue } from './queue/memory-queue.js';
export type * from './queue/queue.port.js';
export { ipRateLimitKey } from './rate-limit/ip-key.js';
export { createMemoryRateLimits } from './rate-limit/memory-rate-limits.js';
export type * from './rate-limit/rate-limit.port.js';
export { createRedisRateLimits } from './rate-limit/redis-rate-limits.js';
export { createRedis, type RedisClient, type RedisRole } from './redis/redis-connection.js';
export { isClusterUrl, parseRedisTarget, type RedisTarget } from './redis/redis-target.js';
export { waitForRedis } from './redis/wait-for-redis.js';
export {
  type FinishedRowsRuleOptions,
  finishedRowsRule,
} from './retention/finished-rows-rule.js';
export { outboxRetention } from './retention/outbox-retention.js';
export type { RetentionRule } from './retention/retention-rule.js';
export { type RetentionOptions, runRetention } from './retention/run-retention.js';
export {
  type CreateWorkerOptions,
  createWorker,
  type JobHandlerSpec,
  type Schedule,
  type Worker,
} from './worker/create-worker.js';
