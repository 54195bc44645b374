import { z } from 'zod';

/** Unset and empty variables are the same thing (compose files often pass `FOO=`). */
const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const urlWithProtocols = (protocols: string[], example: string) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL like ${example}` },
  );

/** Variables both processes (API and worker) read. */
export const platformEnvShape = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: optional(
    urlWithProtocols(['postgres:', 'postgresql:'], 'postgres://user:pass@host:5432/db'),
  ),
  EVENTLY_DATA_DIR: z.string().min(1).default('.evently'),
  REDIS_URL: optional(urlWithProtocols(['redis:', 'rediss:'], 'redis://host:6379')),
  SMTP_URL: optional(urlWithProtocols(['smtp:', 'smtps:'], 'smtp://user:pass@host:587')),
  MAIL_FROM: z.string().min(3).default('Evently <no-reply@evently.local>'),
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
