import { randomBytes } from 'node:crypto';
import { parseEnv, platformEnvShape } from '@evently/platform';
import { z } from 'zod';

const int = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : Number(v)),
    z
      .number({ error: `must be an integer between ${min} and ${max}` })
      .int({ error: `must be an integer between ${min} and ${max}` })
      .min(min, { error: `must be an integer between ${min} and ${max}` })
      .max(max, { error: `must be an integer between ${min} and ${max}` })
      .default(fallback),
  );

const UNITS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;
/** `15m`, `30d`, `3600s` or a bare number of seconds -> seconds. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
      const amount = Number(match?.[1]);
      if (!match || !Number.isSafeInteger(amount) || amount <= 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration like 900s, 15m, 12h or 30d' });
        return z.NEVER;
      }
      return amount * UNITS[(match[2] || 's') as keyof typeof UNITS];
    });

const list = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/**
 * TRUST_PROXY: `false` (the socket address is the client), `true` (trust every hop — only behind
 * a proxy that overwrites X-Forwarded-For), a hop count, or a comma list of proxy addresses/CIDRs.
 */
const trustProxy = z
  .string()
  .default('false')
  .transform((value): boolean | number | string[] => {
    const v = value.trim();
    if (v === 'false' || v === '') return false;
    if (v === 'true') return true;
    if (/^\d+$/.test(v)) return Number(v);
    return v.split(',').map((s) => s.trim());
  });

const apiEnvSchema = z
  .object({
    ...platformEnvShape,
    PORT: int(0, 65_535, 3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    JWT_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
    ACCESS_TOKEN_TTL: duration('15m'),
    REFRESH_TOKEN_TTL: duration('30d'),
    BOOKING_HOLD_MINUTES: int(1, 24 * 60, 15),
    WAITLIST_OFFER_MINUTES: int(1, 7 * 24 * 60, 30),
    ADMIN_EMAIL: z.preprocess((v) => (v === '' ? undefined : v), z.email().optional()),
    ADMIN_PASSWORD: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.string().min(10, { error: 'must be 10-128 characters' }).max(128).optional(),
    ),
    CORS_ORIGINS: list,
    TRUST_PROXY: trustProxy,
  })
  .superRefine((env, ctx) => {
    const secretBytes = env.JWT_SECRET ? Buffer.byteLength(env.JWT_SECRET) : 0;
    if (env.NODE_ENV === 'production' && secretBytes < 32) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'is required in production and must be at least 32 bytes',
      });
    } else if (env.JWT_SECRET !== undefined && secretBytes < 32) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'must be at least 32 bytes' });
    }
    if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL'],
        message: 'must be set together with the other ADMIN_ variable',
      });
    }
  });

export type ApiEnv = Omit<z.infer<typeof apiEnvSchema>, 'JWT_SECRET'> & {
  JWT_SECRET: string;
  /** True when JWT_SECRET was not given and a random one was made for this process. */
  jwtSecretGenerated: boolean;
};

/** Reads the API's configuration; throws EnvError naming the bad variable. */
export function readApiEnv(source: NodeJS.ProcessEnv = process.env): ApiEnv {
  const env = parseEnv(apiEnvSchema, source);
  // Outside production a missing secret gets a per-process random one: tokens then die with the
  // process, which is fine for a first run and never silently weak.
  return {
    ...env,
    JWT_SECRET: env.JWT_SECRET ?? randomBytes(48).toString('base64url'),
    jwtSecretGenerated: env.JWT_SECRET === undefined,
  };
}
