import { generateKeyPairSync } from 'node:crypto';
import { apiEnvSchema, readApiEnv } from '@evently/api';
import { EnvError } from '@evently/platform';
import { describe, expect, it } from 'vitest';
import { readWorkerEnv, workerEnvSchema } from './env.js';

// "No value accepted by one process and refused by the other": every variable both processes
// read comes from one shared fragment, and behaves the same in both.
const shared = Object.keys(workerEnvSchema.shape).filter((name) => name in apiEnvSchema.shape);

/** Values of every kind the variables take, valid for some and not for others. */
const SAMPLES = [
  ...['', '0', '1', '15', '1440', '1441', '10080', '10081', '3650', '3651', '-1', '1.5', '1e3'],
  ...['abc', 'production', 'test', 'debug', 'loud', 'x'.repeat(65), 'evently'],
  ...['postgres://u@h:5432/db', 'mysql://u@h/db', 'redis://h:6379', 'h:6379', 'smtp://h:25'],
  ...['Evently <a@b.c>', 'ab'],
];

type Outcome = { ok: true; value: unknown } | { ok: false };

function outcome(
  schema: { safeParse(v: unknown): { success: boolean; data?: unknown } },
  value: string,
): Outcome {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false };
}

/** What a whole process says about an environment: started (with the value) or refused. */
function start(
  read: (env: NodeJS.ProcessEnv) => Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  name: string,
) {
  try {
    return { started: true, value: read(env)[name] };
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).message).toContain(name);
    return { started: false };
  }
}

describe('configuration shared by the API and the worker', () => {
  it('the worker reads nothing the API does not, and each shared variable has one definition', () => {
    expect(shared.sort()).toEqual(Object.keys(workerEnvSchema.shape).sort());
    expect(shared).toEqual(
      expect.arrayContaining(['BOOKING_HOLD_MINUTES', 'WAITLIST_OFFER_MINUTES', 'RETENTION_DAYS']),
    );
    for (const name of shared) {
      expect(
        apiEnvSchema.shape[name as keyof typeof apiEnvSchema.shape],
        `${name} is defined twice`,
      ).toBe(workerEnvSchema.shape[name as keyof typeof workerEnvSchema.shape]);
    }
  });

  it.each(shared)('%s is accepted and refused alike by both', (name) => {
    const api = apiEnvSchema.shape[name as keyof typeof apiEnvSchema.shape];
    const worker = workerEnvSchema.shape[name as keyof typeof workerEnvSchema.shape];
    for (const value of SAMPLES) {
      expect(outcome(worker, value), `${name}=${value}`).toEqual(outcome(api, value));
    }
  });

  it.each(['1', '1440', '1441', '10080', '0'])(
    'BOOKING_HOLD_MINUTES=%s: both processes start, or both refuse',
    (value) => {
      const env = {
        DATABASE_URL: 'postgres://u@h:5432/db',
        REDIS_URL: 'redis://h:6379',
        BOOKING_HOLD_MINUTES: value,
      };
      const api = start(readApiEnv, env, 'BOOKING_HOLD_MINUTES');
      const worker = start(readWorkerEnv, env, 'BOOKING_HOLD_MINUTES');
      expect(worker).toEqual(api);
      expect(api.started).toBe(Number(value) >= 1 && Number(value) <= 1440);
    },
  );

  it('WEBHOOK_ALLOW_PRIVATE_NETWORKS: both say false unless it is exactly true, and refuse typos', () => {
    // The API checks URLs at creation, the worker at every attempt: they must agree.
    const env = { DATABASE_URL: 'postgres://u@h:5432/db', REDIS_URL: 'redis://h:6379' };
    const name = 'WEBHOOK_ALLOW_PRIVATE_NETWORKS';
    for (const read of [readApiEnv, readWorkerEnv]) {
      expect(start(read, env, name)).toEqual({ started: true, value: false });
      for (const [value, allowed] of [
        ['', false],
        ['false', false],
        ['true', true],
      ] as const) {
        expect(start(read, { ...env, [name]: value }, name)).toEqual({
          started: true,
          value: allowed,
        });
      }
      for (const typo of ['yes', '1', 'TRUE', 'on']) {
        expect(start(read, { ...env, [name]: typo }, name)).toEqual({ started: false });
      }
    }
  });

  it('TICKET_SIGNING_KEY: both refuse production without one, and both take the one given', () => {
    // The worker signs the codes the confirmation mail carries, with the API's key.
    const key = generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@h:5432/db',
      REDIS_URL: 'redis://h:6379',
      JWT_SECRET: 'j'.repeat(48),
    };
    for (const read of [readApiEnv, readWorkerEnv]) {
      expect(start(read, env, 'TICKET_SIGNING_KEY')).toEqual({ started: false });
      expect(start(read, { ...env, TICKET_SIGNING_KEY: key }, 'TICKET_SIGNING_KEY')).toEqual({
        started: true,
        value: key,
      });
    }
  });
});
