// Test helpers other packages' suites reuse: throwaway Redis servers, an SMTP sink, prefixes.

export { findFreePort } from '@evently/db/testing/free-port';
export { type Deferred, deferred } from './deferred.js';
export {
  type RedisCluster,
  sharedRedisCluster,
  startRedisCluster,
  stopSharedRedisCluster,
} from './redis-cluster.js';
export { deleteKeysByPrefix } from './redis-keys.js';
export { type RedisSentinel, startRedisSentinel } from './redis-sentinel.js';
export { type RedisServer, startRedisServer } from './redis-server.js';
export { type ReceivedMail, type SmtpSink, startSmtpSink } from './smtp-sink.js';
export { connectTestRedis, TEST_REDIS_URL, testPrefix } from './test-redis.js';
