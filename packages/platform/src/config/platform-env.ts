import { z } from 'zod';
import { parseRedisTarget } from '../redis/redis-target.js';
import { intBetween, optional, urlWithProtocols } from './env-fields.js';

function isRedisTarget(value: string): boolean {
  try {
    parseRedisTarget(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The runtime every process shares: where the data lives, Redis, logging. Each concern has a
 * fragment of its own (mail, retention here; auth, http, bookings in the API) and each process
 * composes the fragments it reads, so a variable both read is defined once and accepted or
 * refused alike by both.
 */
export const platformEnvShape = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: optional(
    urlWithProtocols(['postgres:', 'postgresql:'], 'postgres://user:pass@host:5432/db'),
  ),
  /**
   * Postgres connections each process may hold at once. Every API process and worker has its
   * own pool: their sum must stay under the server's max_connections (100 by default).
   */
  DATABASE_POOL_SIZE: intBetween(1, 200, 10),
  EVENTLY_DATA_DIR: z.string().min(1).default('.evently'),
  /**
   * One server (`redis://`, `rediss://`), a cluster (`redis+cluster://host:port,host:port`) or
   * Sentinel (`redis+sentinel://host:port,host:port/<master name>`).
   */
  REDIS_URL: optional(
    z.string().refine(isRedisTarget, {
      message:
        'must be a URL like redis://host:6379, redis+cluster://host:port,host:port or redis+sentinel://host:port,host:port/mymaster',
    }),
  ),
  /** Namespaces every Redis key (BullMQ, locks, cache, rate limits, pub/sub). */
  REDIS_PREFIX: z.string().min(1).max(64).default('evently'),
};

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvError';
  }
}

/**
 * Parses the environment, or throws an EnvError whose one-line message names each bad variable
 * (never its value: it may be a secret).
 */
export function parseEnv<S extends z.ZodObject>(schema: S, source: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    return `${name} ${issue.message}`;
  });
  throw new EnvError(`Invalid configuration: ${problems.join('; ')}`);
}
