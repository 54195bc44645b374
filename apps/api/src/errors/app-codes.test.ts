import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AppCode, appCodeSchema, appCodes } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type EmbeddedServer, startEmbeddedServer } from '../../test/embedded-server.js';
import { AppError } from '../kernel/app-error.js';
import { appRouter } from '../router.js';
import { publicProcedure, router } from '../trpc/procedures.js';

// Every code of the contract, as a client meets it: the HTTP status it answers with, and a place
// in the API that produces it (a code nobody throws is a promise to clients that nothing keeps).

/** The status each code answers with (client codes 4xx; the API's own failures 5xx). */
const STATUS: Record<AppCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  SESSION_REVOKED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_CREDENTIALS: 401,
  EMAIL_NOT_VERIFIED: 403,
  ACCOUNT_DISABLED: 403,
  OTP_INVALID: 400,
  OTP_EXPIRED: 400,
  OTP_ATTEMPTS_EXCEEDED: 429,
  REFRESH_TOKEN_REUSED: 401,
  RATE_LIMITED: 429,
  EVENT_NOT_BOOKABLE: 412,
  SOLD_OUT: 409,
  QUANTITY_LIMIT_EXCEEDED: 400,
  BOOKING_EXPIRED: 412,
  INVALID_STATE: 412,
  VERSION_CONFLICT: 409,
  CAPACITY_BELOW_BOOKED: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
  LAST_OWNER: 412,
  TICKET_TYPE_NOT_AVAILABLE: 412,
  VOUCHER_INVALID: 422,
  VOUCHER_EXHAUSTED: 409,
  PAYMENT_REQUIRED: 402,
  PAYMENT_MISMATCH: 422,
  CANCELLATION_CLOSED: 412,
  SEAT_UNAVAILABLE: 409,
  SEATS_NOT_TOGETHER: 409,
  WEBHOOK_URL_REFUSED: 422,
  API_KEY_REVOKED: 401,
  SCOPE_MISSING: 403,
};

const probeRouter = router({
  probe: router({
    fail: publicProcedure.input(z.object({ code: appCodeSchema })).mutation(({ input }) => {
      throw new AppError(input.code, `probe ${input.code}`);
    }),
  }),
});

describe('app codes', () => {
  let api: EmbeddedServer;
  beforeAll(async () => {
    api = await startEmbeddedServer({
      router: router({ ...appRouter._def.record, ...probeRouter._def.record }),
    });
  });
  afterAll(async () => api?.stop());

  it('every code answers over HTTP with its status and itself as data.appCode; only INTERNAL is logged as an error', async () => {
    const answers = [];
    for (const code of appCodes) {
      const response = await fetch(`${api.url}/trpc/probe.fail`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      });
      const body = (await response.json()) as {
        error: { message: string; data: { appCode: string; httpStatus: number } };
      };
      answers.push({
        code,
        status: response.status,
        appCode: body.error.data.appCode,
        httpStatus: body.error.data.httpStatus,
      });
    }
    expect(answers).toEqual(
      appCodes.map((code) => ({
        code,
        status: STATUS[code],
        appCode: code,
        httpStatus: STATUS[code],
      })),
    );
    const errors = api.lines().filter((line) => Number(line.level) >= 50);
    expect(errors.map((line) => line.msg)).toEqual(['procedure failed']);
  });

  it('every code is produced somewhere in the API, beyond its status mapping', async () => {
    const src = fileURLToPath(new URL('..', import.meta.url));
    const files = (await readdir(src, { recursive: true }))
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .map((file) => join(src, file));
    let text = '';
    for (const file of files) {
      let source = await readFile(file, 'utf8');
      // The code -> status table names every code by construction: it proves nothing here.
      const table = /export const trpcCodeFor[\s\S]*?\n\};\n/.exec(source);
      if (table) source = source.replace(table[0], '');
      text += source;
    }
    const unproduced = appCodes.filter((code) => !text.includes(`'${code}'`));
    expect(unproduced).toEqual([]);
  });
});
