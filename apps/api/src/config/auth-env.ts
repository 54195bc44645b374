import { duration, optional } from '@evently/platform';
import { z } from 'zod';

/** Tokens and the first admin (API only). */
export const authEnvShape = {
  JWT_SECRET: optional(z.string()),
  ACCESS_TOKEN_TTL: duration('15m'),
  REFRESH_TOKEN_TTL: duration('30d'),
  ADMIN_EMAIL: optional(z.email()),
  ADMIN_PASSWORD: optional(z.string().min(10, { error: 'must be 10-128 characters' }).max(128)),
};

interface AuthEnv {
  NODE_ENV: string;
  JWT_SECRET?: string | undefined;
  ADMIN_EMAIL?: string | undefined;
  ADMIN_PASSWORD?: string | undefined;
}

/** The rules across auth variables: a strong secret in production, both ADMIN_ or neither. */
export function checkAuthEnv(env: AuthEnv, ctx: z.RefinementCtx): void {
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
}
