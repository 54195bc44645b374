import { EnvError } from '@evently/platform';
import { describe, expect, it } from 'vitest';
import { readApiEnv } from './env.js';

function failure(env: NodeJS.ProcessEnv): string {
  try {
    readApiEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).message;
  }
  throw new Error('expected the environment to be refused');
}

describe('API configuration', () => {
  it('has working defaults with nothing set (the embedded first run)', () => {
    const env = readApiEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      NODE_ENV: 'development',
      ACCESS_TOKEN_TTL: 900,
      REFRESH_TOKEN_TTL: 30 * 86_400,
      BOOKING_HOLD_MINUTES: 15,
      WAITLIST_OFFER_MINUTES: 30,
      RETENTION_DAYS: 30,
      TRUST_PROXY: false,
      CORS_ORIGINS: [],
      jwtSecretGenerated: true,
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
    expect(Buffer.byteLength(env.JWT_SECRET)).toBeGreaterThanOrEqual(32);
  });

  it('parses lists, durations, proxies and treats empty values as unset', () => {
    const env = readApiEnv({
      CORS_ORIGINS: 'https://a.example, https://b.example',
      ACCESS_TOKEN_TTL: '5m',
      TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      DATABASE_URL: '',
      PORT: '8080',
    });
    expect(env.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(env.ACCESS_TOKEN_TTL).toBe(300);
    expect(env.TRUST_PROXY).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PORT).toBe(8080);
    expect(readApiEnv({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production', JWT_SECRET: 'short-secret' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(48) }, 'TICKET_SIGNING_KEY'],
    [{ TICKET_SIGNING_KEY: 'not a key' }, 'TICKET_SIGNING_KEY'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://root@localhost/db' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ ACCESS_TOKEN_TTL: 'forever' }, 'ACCESS_TOKEN_TTL'],
    [{ ADMIN_EMAIL: 'admin@example.com' }, 'ADMIN_PASSWORD'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PUBLIC_READ_MAX_AGE_MS: '-1' }, 'PUBLIC_READ_MAX_AGE_MS'],
    [{ PUBLIC_READ_MAX_AGE_MS: 'a second' }, 'PUBLIC_READ_MAX_AGE_MS'],
    [{ RETENTION_DAYS: '0' }, 'RETENTION_DAYS'],
    [{ BOOKING_HOLD_MINUTES: '1441' }, 'BOOKING_HOLD_MINUTES'],
    [{ METRICS_TOKEN: 'too-short' }, 'METRICS_TOKEN'],
    [{ DATABASE_REPLICA_URL: 'postgres://u@replica:5432/db' }, 'DATABASE_REPLICA_URL'],
    [
      { DATABASE_URL: 'postgres://u@h:5432/db', DATABASE_REPLICA_URL: 'mysql://u@r/db' },
      'DATABASE_REPLICA_URL',
    ],
    [{ METRICS_TOKEN: `${'x'.repeat(40)} y` }, 'METRICS_TOKEN'],
    [{ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes' }, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS'],
  ])('refuses %o with one line naming %s', (env, name) => {
    const message = failure(env);
    expect(message).toContain(name);
    expect(message).not.toContain('\n');
  });

  it('takes a replica of the Postgres primary (optional)', () => {
    const primary = 'postgres://u@h:5432/db';
    expect(readApiEnv({ DATABASE_URL: primary }).DATABASE_REPLICA_URL).toBeUndefined();
    expect(readApiEnv({ DATABASE_URL: primary, DATABASE_REPLICA_URL: '' })).toMatchObject({
      DATABASE_REPLICA_URL: undefined,
    });
    const replica = 'postgresql://u@replica:5432/db';
    expect(readApiEnv({ DATABASE_URL: primary, DATABASE_REPLICA_URL: replica })).toMatchObject({
      DATABASE_REPLICA_URL: replica,
    });
  });

  it('never echoes the value of a bad variable (it may be a secret)', () => {
    const message = failure({ NODE_ENV: 'production', JWT_SECRET: 'my-precious-short' });
    expect(message).not.toContain('my-precious-short');
  });
});
