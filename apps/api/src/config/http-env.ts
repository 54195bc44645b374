import { fileURLToPath } from 'node:url';
import { commaList, intBetween, optional, urlWithProtocols } from '@evently/platform';
import { z } from 'zod';
import { PUBLIC_READ_MAX_AGE_MS } from '../cache/public-answers.js';
import { API_KEY_REQUESTS_PER_MINUTE } from '../modules/api-keys/api-key-authentication.js';
import { ANONYMOUS_READS_PER_MINUTE } from '../trpc/anonymous-read-limit.js';

/** The console's build in this checkout (`pnpm --filter @evently/console build` makes it). */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/dist', import.meta.url));

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
  /** Where clients reach the API from outside (a proxy's URL): the OpenAPI document's server. */
  PUBLIC_URL: optional(urlWithProtocols(['https:', 'http:'], 'https://tickets.example.com')),
  TRUST_PROXY: trustProxy,
  /** The console's production build, served at /console (default: apps/console/dist). */
  CONSOLE_DIR: z.string().min(1).default(DEFAULT_CONSOLE_DIR),
  /** Reads by callers nobody signed in, per client network (IPv4 address, IPv6 /64) a minute. */
  ANONYMOUS_READS_PER_MINUTE: intBetween(1, 1_000_000, ANONYMOUS_READS_PER_MINUTE),
  /** Requests per API key a minute, across instances. */
  API_KEY_REQUESTS_PER_MINUTE: intBetween(1, 1_000_000, API_KEY_REQUESTS_PER_MINUTE),
  /**
   * How old the availability in an anonymous event or page answered from memory may be, in ms
   * (0: every anonymous read runs the query). Event data itself is never served stale.
   */
  PUBLIC_READ_MAX_AGE_MS: intBetween(0, 60_000, PUBLIC_READ_MAX_AGE_MS),
  /**
   * The bearer token /metrics wants (a b64token, 32-256 characters: `openssl rand -hex 32`).
   * Unset: /metrics is open outside production, closed (403) in production.
   */
  METRICS_TOKEN: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^[A-Za-z0-9._~+/=-]{32,256}$/, {
        error: 'must be 32-256 characters of A-Z a-z 0-9 . _ ~ + / = -',
      })
      .optional(),
  ),
};
