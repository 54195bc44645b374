import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

const THIS = '2026-12-06-001-hours-by-day';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const eventId = randomUUID();
  const hourRow = (bucket: string, bookings: number, revenue: number) => ({
    granularity: 'hour',
    scope_kind: 'event',
    scope_id: eventId,
    bucket: new Date(bucket),
    bookings,
    tickets: bookings,
    cancellations: 0,
    revenue_cents: revenue,
    new_users: 0,
    verified_users: 0,
  });
  // The types say 'day' only (the new shape); the rows are written the old way.
  const oldSeries = () => sql.table('analytics_series');

  it("moves each day's hours into one row of 24, and keeps the days", async () => {
    const db = migration.db();
    const rows = [
      hourRow('2026-12-04T00:00:00.000Z', 1, 500),
      hourRow('2026-12-04T13:00:00.000Z', 2, 1_000),
      hourRow('2026-12-04T23:00:00.000Z', 3, 9_000_000_000),
      hourRow('2026-12-05T07:00:00.000Z', 4, 2_000),
    ];
    for (const r of rows) {
      await sql`INSERT INTO ${oldSeries()} (granularity, scope_kind, scope_id, bucket, bookings,
        tickets, cancellations, revenue_cents, new_users, verified_users)
        VALUES (${r.granularity}, ${r.scope_kind}, ${r.scope_id}, ${r.bucket}, ${r.bookings},
        ${r.tickets}, 0, ${r.revenue_cents}, 0, 0)`.execute(db);
    }
    await sql`INSERT INTO ${oldSeries()} (granularity, scope_kind, scope_id, bucket, bookings,
      tickets, cancellations, revenue_cents, new_users, verified_users)
      VALUES ('day', 'event', ${eventId}, '2026-12-04T00:00:00Z', 6, 6, 0, 9000001500, 0, 0)`.execute(
      db,
    );
    expect((await migration.up()).error).toBeUndefined();

    const hours = await db
      .selectFrom('analytics_hours')
      .selectAll()
      .where('scope_id', '=', eventId)
      .orderBy('day')
      .execute();
    expect(hours.map((h) => h.day.toISOString())).toEqual([
      '2026-12-04T00:00:00.000Z',
      '2026-12-05T00:00:00.000Z',
    ]);
    const [first, second] = hours;
    const expected = Array(24).fill(0);
    expected[0] = 1;
    expected[13] = 2;
    expected[23] = 3;
    expect(first?.bookings).toEqual(expected);
    expect(first?.revenue_cents.map(Number)[23]).toBe(9_000_000_000);
    expect(second?.bookings[7]).toBe(4);
    expect(second?.bookings.reduce((a, b) => a + b, 0)).toBe(4);
    const left = await db.selectFrom('analytics_series').select('granularity').execute();
    expect(left).toEqual([{ granularity: 'day' }]);
  });

  it('refuses an hourly row in analytics_series afterwards', async () => {
    const insert = sql`INSERT INTO ${oldSeries()} (granularity, scope_kind, scope_id, bucket)
      VALUES ('hour', 'all', ${randomUUID()}, now())`.execute(migration.db());
    await expect(insert).rejects.toThrow(/analytics_series_granularity_check/);
  });

  it('goes down (the hours back as rows, quiet hours left out) and up again', async () => {
    const db = migration.db();
    expect((await migration.down()).error).toBeUndefined();
    const { rows } = await sql<{ bucket: Date; bookings: number }>`
      SELECT bucket, bookings FROM analytics_series
      WHERE granularity = 'hour' AND scope_id = ${eventId} ORDER BY bucket`.execute(db);
    expect(rows.map((r) => [r.bucket.toISOString(), r.bookings])).toEqual([
      ['2026-12-04T00:00:00.000Z', 1],
      ['2026-12-04T13:00:00.000Z', 2],
      ['2026-12-04T23:00:00.000Z', 3],
      ['2026-12-05T07:00:00.000Z', 4],
    ]);
    expect((await migration.up()).error).toBeUndefined();
  });
});
