import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { parseRedisTarget } from './redis-target.js';

/**
 * How a connection is used decides how it behaves when Redis is away:
 * - `command`: producers and request-path calls fail fast (no offline queue, one retry), so a
 *   request gets SERVICE_UNAVAILABLE instead of hanging;
 * - `blocking`: BullMQ workers and subscribers reconnect forever and wait (BullMQ requires
 *   `maxRetriesPerRequest: null`, or the Worker throws and leaks a socket);
 * - `subscriber`: a `blocking` connection for pub/sub; on a cluster it uses sharded pub/sub
 *   (SSUBSCRIBE on the master that owns the channel's slot).
 */
export type RedisRole = 'command' | 'blocking' | 'subscriber';

/** One server or a Redis Cluster: every port takes either (both are ioredis Commanders). */
export type RedisClient = Redis | Cluster;

type Tuning = Pick<RedisOptions, 'retryStrategy'>;

export function createRedis(
  url: string,
  role: RedisRole,
  /** Tests stretch the reconnect backoff to tell "failed at once" from "waited for Redis". */
  tuning: Tuning = {},
): RedisClient {
  const target = parseRedisTarget(url);
  let redis: RedisClient;
  if (target.kind === 'server') redis = new Redis(url, serverOptions(role, tuning));
  else if (target.kind === 'cluster') {
    redis = new Cluster(target.nodes, clusterOptions(role, tuning, target));
  } else {
    // ioredis asks the sentinels for the master, and asks again after losing it: a failover is
    // a reconnect to the promoted replica.
    const { sentinels, name, username, password } = target;
    redis = new Redis({
      ...serverOptions(role, tuning),
      sentinels,
      name,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
    });
  }
  // Connection errors surface through the commands that fail; an unhandled 'error' event would
  // crash the process.
  redis.on('error', () => {});
  return redis;
}

function serverOptions(role: RedisRole, tuning: Tuning): RedisOptions {
  const common = {
    lazyConnect: false,
    // Reconnect forever, backing off to 2 s.
    retryStrategy: (times: number) => Math.min(times * 100, 2_000),
    connectTimeout: 2_000,
    ...tuning,
  } satisfies RedisOptions;
  return role === 'command'
    ? {
        ...common,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        // Commands issued in one tick go out in one write: under load every request's session
        // check would otherwise be a socket write (and a syscall) of its own.
        enableAutoPipelining: true,
      }
    : { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null };
}

/**
 * ioredis' own cluster client: it maps slots to nodes, follows MOVED/ASK, refreshes the map
 * when a node fails and a replica takes over, and re-subscribes pub/sub on another node.
 */
function clusterOptions(
  role: RedisRole,
  tuning: Tuning,
  auth: { username?: string; password?: string },
): ClusterOptions {
  const retry = tuning.retryStrategy ?? ((times: number) => Math.min(times * 100, 2_000));
  return {
    lazyConnect: false,
    clusterRetryStrategy: (times) => retry(times),
    // While a failed master's replica takes over (cluster-node-timeout, seconds), a blocking
    // connection retries against the refreshed slot map; a command connection fails at once, as
    // on a single server. It must: a lock extension retried for seconds outlived the lock's ttl
    // while its holder, not yet told, went on — the failover test saw two holders inside.
    retryDelayOnFailover: role === 'command' ? 0 : 200,
    retryDelayOnClusterDown: role === 'command' ? 0 : 200,
    slotsRefreshInterval: 2_000,
    enableOfflineQueue: role !== 'command',
    shardedSubscribers: role === 'subscriber',
    enableAutoPipelining: role === 'command',
    redisOptions: {
      connectTimeout: 2_000,
      maxRetriesPerRequest: role === 'command' ? 1 : null,
      ...auth,
    },
  };
}
