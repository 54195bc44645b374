import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { runRetention } from '@evently/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invitationsRetention } from '../src/modules/organizations/invitations-retention.js';

// Ended invitations go RETENTION_DAYS after they ended; a pending one stays whatever its age.
const DAY = 86_400_000;
const DAYS = 30;

describe('retention of organization invitations', () => {
  let database: TestDatabase;
  const now = new Date();
  const old = new Date(now.getTime() - (DAYS + 1) * DAY);
  const recent = new Date(now.getTime() - (DAYS - 1) * DAY);
  const later = new Date(now.getTime() + DAY);
  const db = () => database.handle.db;

  beforeAll(async () => {
    database = await createTestDatabase('invitations-retention');
  });
  afterAll(async () => database?.drop());

  async function invitation(ended: { expires: Date; accepted?: Date; revoked?: Date }) {
    const id = randomUUID();
    await db()
      .insertInto('users')
      .values({
        id,
        email: `${id}@example.com`,
        name: 'R',
        role: 'user',
        password_hash: 'x',
        updated_at: now,
      })
      .execute();
    await db()
      .insertInto('organizations')
      .values({ id, name: 'R', slug: `r-${id}`, updated_at: now })
      .execute();
    await db()
      .insertInto('organization_invitations')
      .values({
        id,
        organization_id: id,
        email: `invitee-${id}@example.com`,
        role: 'staff',
        code_hash: id,
        invited_by: id,
        created_at: new Date(old.getTime() - DAY),
        expires_at: ended.expires,
        accepted_at: ended.accepted ?? null,
        revoked_at: ended.revoked ?? null,
      })
      .execute();
    return id;
  }

  it('deletes invitations accepted, replaced or expired before the window; keeps the rest', async () => {
    await invitation({ expires: old });
    await invitation({ expires: later, accepted: old });
    await invitation({ expires: later, revoked: old });
    const kept = [
      await invitation({ expires: later, accepted: recent }),
      await invitation({ expires: recent }),
      await invitation({ expires: later }),
    ];
    const run = () =>
      runRetention({ db: db(), rules: [invitationsRetention], days: DAYS, now: () => now });
    expect(await run()).toEqual({ 'organization-invitations': 3 });
    const left = await db().selectFrom('organization_invitations').select('id').execute();
    expect(left.map((r) => r.id).sort()).toEqual(kept.sort());
    expect(await run()).toEqual({ 'organization-invitations': 0 });
  });
});
