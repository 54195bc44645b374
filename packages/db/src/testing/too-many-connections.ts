import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_ADMIN_URL } from './test-database.js';

/**
 * A real "too many connections" (53300) from the server, without filling it: a role limited
 * to one connection, connecting a second time while its first is open. Resolves the error the
 * pg driver threw; the role is gone again afterwards.
 */
export async function tooManyConnectionsError(): Promise<Error> {
  const role = `evently_full_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_ADMIN_URL });
  await admin.connect();
  const url = new URL(TEST_ADMIN_URL);
  url.username = role;
  const first = new pg.Client({ connectionString: url.toString() });
  const second = new pg.Client({ connectionString: url.toString() });
  try {
    await admin.query(`CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN CONNECTION LIMIT 1`);
    await first.connect();
    const refused = await second.connect().then(
      () => undefined,
      (error: unknown) => error,
    );
    if (!(refused instanceof Error)) throw new Error('a second connection was let in');
    return refused;
  } finally {
    await second.end().catch(() => {});
    await first.end().catch(() => {});
    await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`).catch(() => {});
    await admin.end();
  }
}
