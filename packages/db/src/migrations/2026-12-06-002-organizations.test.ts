import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

const THIS = '2026-12-06-002-organizations';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const createdAt = new Date('2026-11-20T08:00:00.000Z');
  const users = {
    organizer: { id: randomUUID(), name: 'Ada Organizer', role: 'organizer' },
    // A name past the organization's 120 characters: cut to fit.
    idle: { id: randomUUID(), name: 'I'.repeat(130), role: 'organizer' },
    plain: { id: randomUUID(), name: 'Plain', role: 'user' },
    // No longer an organizer but still owns an event; a blank name: the email's local part.
    demoted: { id: randomUUID(), name: '  ', role: 'user' },
    admin: { id: randomUUID(), name: 'Admin', role: 'admin' },
  } as const;
  const events = { first: randomUUID(), second: randomUUID(), demoted: randomUUID() };
  const slugOf = (userId: string) => `u-${userId.replaceAll('-', '')}`;
  // The types have organization_id NOT NULL (the new shape); the events are written the old way.
  const insertEvent = (id: string, organizerId: string, title: string) =>
    sql`INSERT INTO ${sql.table('events')} (id, organizer_id, status, title, venue, starts_at,
      ends_at, capacity, price_cents, currency, max_per_booking, created_at, updated_at)
      VALUES (${id}, ${organizerId}, 'published', ${title}, 'Hall',
      '2027-01-10T18:00:00Z', '2027-01-10T21:00:00Z', 100, 2500, 'EUR', 4,
      '2026-11-21T09:00:00Z', '2026-11-22T09:00:00Z')`.execute(migration.db());
  const eventRows = async () =>
    (await sql<Record<string, unknown>>`SELECT * FROM events ORDER BY id`.execute(migration.db()))
      .rows;
  let before: Record<string, unknown>[] = [];

  it('gives every organizer, and every owner of an event, a personal organization', async () => {
    const db = migration.db();
    await db
      .insertInto('users')
      .values(
        Object.entries(users).map(([key, u]) => ({
          ...u,
          email: `${key}@example.com`,
          password_hash: 'x',
          created_at: createdAt,
          updated_at: createdAt,
        })),
      )
      .execute();
    await insertEvent(events.first, users.organizer.id, 'First');
    await insertEvent(events.second, users.organizer.id, 'Second');
    await insertEvent(events.demoted, users.demoted.id, 'Old one');
    before = await eventRows();

    expect((await migration.up()).error).toBeUndefined();

    const orgs = await db
      .selectFrom('organizations as o')
      .innerJoin('organization_members as m', 'm.organization_id', 'o.id')
      .select(['o.id', 'o.name', 'o.slug', 'o.created_by', 'o.created_at'])
      .select(['m.user_id', 'm.role', 'm.joined_at'])
      .execute();
    const byUser = new Map(orgs.map((o) => [o.created_by, o]));
    expect(orgs).toHaveLength(3);
    expect(byUser.size).toBe(3);
    for (const [user, name] of [
      [users.organizer, 'Ada Organizer'],
      [users.idle, 'I'.repeat(120)],
      [users.demoted, 'demoted'],
    ] as const) {
      expect(byUser.get(user.id)).toEqual({
        id: expect.any(String),
        name,
        slug: slugOf(user.id),
        created_by: user.id,
        created_at: createdAt,
        user_id: user.id,
        role: 'owner',
        joined_at: createdAt,
      });
    }
    expect(await db.selectFrom('organization_members').select('user_id').execute()).toHaveLength(3);
    for (const user of [users.plain, users.admin]) expect(byUser.has(user.id)).toBe(false);
  });

  it("moves each event to its organizer's organization and changes nothing else", async () => {
    const after = await eventRows();
    const { rows: personal } = await sql<{ slug: string; id: string }>`
      SELECT slug, id FROM organizations`.execute(migration.db());
    const idBySlug = new Map(personal.map((o) => [o.slug, o.id]));
    expect(after.map((e) => [e.id, e.organization_id]).sort()).toEqual(
      [
        [events.first, idBySlug.get(slugOf(users.organizer.id))],
        [events.second, idBySlug.get(slugOf(users.organizer.id))],
        [events.demoted, idBySlug.get(slugOf(users.demoted.id))],
      ].sort(),
    );
    expect(new Set(after.map((e) => e.organization_id)).size).toBe(2);
    expect(after.map(({ organization_id: _, ...rest }) => rest)).toEqual(before);
  });

  it('refuses an unknown role, a taken slug and an event with no organization', async () => {
    const db = migration.db();
    const org = await db
      .selectFrom('organizations')
      .select(['id', 'slug'])
      .where('created_by', '=', users.organizer.id)
      .executeTakeFirstOrThrow();
    const boss = sql`INSERT INTO organization_members (organization_id, user_id, role)
      VALUES (${org.id}, ${users.plain.id}, 'boss')`.execute(db);
    await expect(boss).rejects.toThrow(/organization_members_role_check/);
    const taken = db
      .insertInto('organizations')
      .values({ id: randomUUID(), name: 'Copy', slug: org.slug, updated_at: new Date() })
      .execute();
    await expect(taken).rejects.toThrow(/organizations_slug_key/);
    const badSlug = db
      .insertInto('organizations')
      .values({ id: randomUUID(), name: 'Bad', slug: 'Has Caps-', updated_at: new Date() })
      .execute();
    await expect(badSlug).rejects.toThrow(/organizations_slug_check/);
    const mixedEmail = db
      .insertInto('organization_invitations')
      .values({
        id: randomUUID(),
        organization_id: org.id,
        email: 'Someone@Example.com',
        role: 'staff',
        code_hash: 'h',
        mail_code: null,
        invited_by: users.organizer.id,
        expires_at: new Date(),
        accepted_at: null,
        accepted_by: null,
        revoked_at: null,
      })
      .execute();
    await expect(mixedEmail).rejects.toThrow(/organization_invitations_email_check/);
    await expect(insertEvent(randomUUID(), users.organizer.id, 'Orphan')).rejects.toThrow(
      /null value in column "organization_id"/,
    );
  });

  it('goes down and up again', async () => {
    expect((await migration.down()).error).toBeUndefined();
    expect((await eventRows()).map((e) => 'organization_id' in e)).toEqual([false, false, false]);
    expect((await migration.up()).error).toBeUndefined();
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM events e
      JOIN organization_members m ON m.organization_id = e.organization_id
        AND m.user_id = e.organizer_id AND m.role = 'owner'`.execute(migration.db());
    expect(rows).toEqual([{ n: 3 }]);
  });
});
