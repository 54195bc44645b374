import { commaList, intBetween } from '@evently/platform';
import { z } from 'zod';

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

/** The HTTP server (API only). */
export const httpEnvShape = {
  PORT: intBetween(0, 65_535, 3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  CORS_ORIGINS: commaList(),
  TRUST_PROXY: trustProxy,
};
