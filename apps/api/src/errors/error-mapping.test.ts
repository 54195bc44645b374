import { tooManyConnectionsError } from '@evently/db/testing/too-many-connections';
import { describe, expect, it } from 'vitest';
import { toPublicError, toTrpcError } from './error-mapping.js';

describe('errors nobody threw on purpose', () => {
  it('a Postgres that is full (53300) answers SERVICE_UNAVAILABLE (503, retry), not INTERNAL', async () => {
    const error = toTrpcError(await tooManyConnectionsError());
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(toPublicError(error).appCode).toBe('SERVICE_UNAVAILABLE');
  });

  it('anything else unknown stays INTERNAL', () => {
    const error = toTrpcError(new TypeError('cannot read properties of undefined'));
    expect(error.code).toBe('INTERNAL_SERVER_ERROR');
    expect(toPublicError(error).appCode).toBe('INTERNAL');
  });
});
