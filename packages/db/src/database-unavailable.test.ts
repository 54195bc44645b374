import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './database-unavailable.js';
import { TEST_ADMIN_URL } from './testing/test-database.js';
import { tooManyConnectionsError } from './testing/too-many-connections.js';

describe('isDatabaseUnavailable', () => {
  it('takes a server that is full (53300 too many connections) for one that is away: retry later', async () => {
    const error = await tooManyConnectionsError();
    expect((error as Error & { code?: string }).code).toBe('53300');
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: error }))).toBe(true);
  });

  it('does not take a wrong statement for an outage', async () => {
    const client = new pg.Client({ connectionString: TEST_ADMIN_URL });
    await client.connect();
    try {
      const error = await client.query('SELECT * FROM no_such_table').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(error)).toBe(false);
    } finally {
      await client.end();
    }
  });
});
