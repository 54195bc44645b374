import { randomUUID } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

const THIS = '2026-12-06-004-analytics-by-organization';

/** bookings, tickets, cancellations, revenue_cents, new_users, verified_users */
type Figures = [number, number, number, number, number, number];
const COLUMNS = 'bookings, tickets, cancellations, revenue_cents, new_users, verified_users';
const D1 = '2026-12-01T00:00:00.000Z';
const D2 = '2026-12-02T00:00:00.000Z';

/** A day of hours whose every element differs by column, hour and seed. */
const hoursOf = (seed: number): number[][] => {
  const at = (f: (h: number) => number) => Array.from({ length: 24 }, (_, h) => f(h));
  return [
    at((h) => seed * (h + 1)),
    at((h) => seed * (h + 2)),
    at((h) => seed * (h % 3)),
    // Past int4 (and, summed, past 2^32): revenue is bigint[].
    at((h) => seed * 1_000_000_000 + h),
    at((h) => seed + h),
    at((h) => seed * h),
  ];
};
const addHours = (...days: number[][][]) =>
  days.reduce((sum, day) => sum.map((col, c) => col.map((v, h) => v + (day[c]?.[h] ?? 0))));
const addFigures = (...rows: Figures[]) =>
  rows.reduce((sum, row) => sum.map((v, i) => v + (row[i] ?? 0)) as Figures);

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);
  const users = { ada: randomUUID(), bob: randomUUID(), cy: randomUUID() };
  const orgs = { adaPersonal: randomUUID(), team: randomUUID() };
  // e1 (by Ada) and e2 (by Bob) in the team; e3 in Ada's personal organization. g1 (Ada's) and
  // g2 (Cy's, who has no organization) are deleted events: their rows outlived them.
  const ev = {
    e1: randomUUID(),
    e2: randomUUID(),
    e3: randomUUID(),
    g1: randomUUID(),
    g2: randomUUID(),
  };
  const organizerOf = {
    [ev.e1]: users.ada,
    [ev.e2]: users.bob,
    [ev.e3]: users.ada,
    [ev.g1]: users.ada,
    [ev.g2]: users.cy,
  };
  const series: Record<string, [string, Figures][]> = {
    [ev.e1]: [
      [D1, [1, 2, 3, 1_000, 4, 5]],
      [D2, [6, 7, 8, 2_000, 9, 11]],
    ],
    [ev.e2]: [[D1, [10, 20, 30, 5_000_000_000, 40, 50]]],
    [ev.e3]: [[D1, [100, 200, 300, 3_000, 400, 500]]],
    [ev.g1]: [[D1, [1_000, 1_000, 1_000, 1_000, 1_000, 1_000]]],
  };
  const hours: Record<string, [string, number][]> = {
    [ev.e1]: [
      [D1, 1],
      [D2, 7],
    ],
    [ev.e2]: [[D1, 3]],
    [ev.e3]: [[D1, 5]],
    [ev.g1]: [[D1, 11]],
  };
  const slugOf = (userId: string) => `u-${userId.replaceAll('-', '')}`;
  const allSeries: Figures = [999, 998, 997, 9_999_999_999, 996, 995];
  let statsBefore: Record<string, unknown>[] = [];

  const run = (query: RawBuilder<unknown>) => query.execute(migration.db());
  const rows = async <T>(query: RawBuilder<T>) => (await query.execute(migration.db())).rows;
  const seriesOf = (kind: string) =>
    rows<{ scope_id: string; bucket: Date } & Record<string, unknown>>(sql`
      SELECT scope_id, bucket, ${sql.raw(COLUMNS)} FROM analytics_series
      WHERE scope_kind = ${kind} ORDER BY scope_id, bucket`).then((found) =>
      found.map(({ scope_id, bucket, ...f }) => [
        scope_id,
        bucket.toISOString(),
        Object.values(f).map(Number),
      ]),
    );
  const hoursOfKind = (kind: string) =>
    rows<{ scope_id: string; day: Date } & Record<string, unknown[]>>(sql`
      SELECT scope_id, day, ${sql.raw(COLUMNS)} FROM analytics_hours
      WHERE scope_kind = ${kind} ORDER BY scope_id, day`).then((found) =>
      found.map(({ scope_id, day, ...f }) => [
        scope_id,
        day.toISOString(),
        Object.values(f).map((col) => col.map(Number)),
      ]),
    );
  const sorted = <T>(list: T[]) => [...list].sort((a, b) => String(a).localeCompare(String(b)));
  /** The rows a scope should hold: the event rows (of existing events) summed by `ownerOf`. */
  const expectedSeries = (ownerOf: (event: string) => string) => {
    const sums = new Map<string, Figures>();
    for (const event of [ev.e1, ev.e2, ev.e3]) {
      for (const [day, f] of series[event] ?? []) {
        const key = `${ownerOf(event)}|${day}`;
        sums.set(key, addFigures(sums.get(key) ?? [0, 0, 0, 0, 0, 0], f));
      }
    }
    return sorted([...sums].map(([key, f]) => [...key.split('|'), f]));
  };
  const expectedHours = (ownerOf: (event: string) => string) => {
    const sums = new Map<string, number[][]>();
    for (const event of [ev.e1, ev.e2, ev.e3]) {
      for (const [day, seed] of hours[event] ?? []) {
        const key = `${ownerOf(event)}|${day}`;
        const had = sums.get(key);
        sums.set(key, had ? addHours(had, hoursOf(seed)) : hoursOf(seed));
      }
    }
    return sorted([...sums].map(([key, h]) => [...key.split('|'), h]));
  };
  const organizationOf = (event: string) =>
    event === ev.e3 ? orgs.adaPersonal : (orgs.team as string);
  const insertSeries = (kind: string, id: string, day: string, f: Figures) =>
    run(sql`INSERT INTO analytics_series (granularity, scope_kind, scope_id, bucket, ${sql.raw(COLUMNS)})
      VALUES ('day', ${kind}, ${id}, ${day}, ${sql.join(f)})`);
  const insertHours = (kind: string, id: string, day: string, h: number[][]) =>
    run(sql`INSERT INTO analytics_hours (scope_kind, scope_id, day, ${sql.raw(COLUMNS)})
      VALUES (${kind}, ${id}, ${day}, ${sql.join(h)})`);

  it('writes the read models the old way (keyed by organizer)', async () => {
    for (const [name, id] of Object.entries(users)) {
      await run(sql`INSERT INTO users (id, email, name, role, password_hash)
        VALUES (${id}, ${`${name}@example.com`}, ${name}, 'organizer', 'x')`);
    }
    await run(sql`INSERT INTO organizations (id, name, slug, created_by) VALUES
      (${orgs.adaPersonal}, 'Ada', ${slugOf(users.ada)}, ${users.ada}),
      (${orgs.team}, 'Team', 'team', ${users.bob})`);
    for (const event of [ev.e1, ev.e2, ev.e3]) {
      await run(sql`INSERT INTO events (id, organizer_id, organization_id, status, title, venue,
        starts_at, ends_at, capacity, price_cents, currency, max_per_booking)
        VALUES (${event}, ${organizerOf[event]}, ${organizationOf(event)}, 'published', 'Show',
        'Hall', '2027-01-10T18:00:00Z', '2027-01-10T21:00:00Z', 100, 2500, 'EUR', 4)`);
    }
    let seq = 0;
    for (const event of Object.values(ev)) {
      seq += 1;
      await run(sql`INSERT INTO analytics_event_stats (event_id, organizer_id, title, status,
        capacity, starts_at, event_version, tickets_sold, revenue_cents)
        VALUES (${event}, ${organizerOf[event]}, ${`Show ${seq}`}, 'published', 100,
        ${`2027-01-${10 + seq}T18:00:00Z`}, ${seq}, ${seq * 2}, ${seq * 5_000_000_000})`);
      await run(sql`INSERT INTO analytics_live_updates (seq, event_id, organizer_id, stats)
        VALUES (${seq}, ${event}, ${organizerOf[event]}, ${JSON.stringify({ n: seq })})`);
    }
    for (const [event, days] of Object.entries(series)) {
      for (const [day, f] of days) await insertSeries('event', event, day, f);
    }
    for (const [event, days] of Object.entries(hours)) {
      for (const [day, seed] of days) await insertHours('event', event, day, hoursOf(seed));
    }
    // The organizer scope as the projection wrote it: every event's facts, deleted ones included.
    const byOrganizer = new Map<string, Figures>();
    for (const [event, days] of Object.entries(series)) {
      for (const [day, f] of days) {
        const key = `${organizerOf[event]}|${day}`;
        byOrganizer.set(key, addFigures(byOrganizer.get(key) ?? [0, 0, 0, 0, 0, 0], f));
      }
    }
    const hoursByOrganizer = new Map<string, number[][]>();
    for (const [event, days] of Object.entries(hours)) {
      for (const [day, seed] of days) {
        const key = `${organizerOf[event]}|${day}`;
        const had = hoursByOrganizer.get(key);
        hoursByOrganizer.set(key, had ? addHours(had, hoursOf(seed)) : hoursOf(seed));
      }
    }
    for (const [key, f] of byOrganizer) {
      const [organizer = '', day = ''] = key.split('|');
      await insertSeries('organizer', organizer, day, f);
      await insertHours('organizer', organizer, day, hoursByOrganizer.get(key) ?? []);
    }
    await insertSeries('all', '00000000-0000-0000-0000-000000000000', D1, allSeries);
    await insertHours('all', '00000000-0000-0000-0000-000000000000', D1, hoursOf(13));
    statsBefore = await rows(sql`SELECT * FROM analytics_event_stats ORDER BY event_id`);

    expect((await migration.up()).error).toBeUndefined();
  });

  it("keys each event's stats and live updates by its organization", async () => {
    const expected = [
      [ev.e1, orgs.team],
      [ev.e2, orgs.team],
      [ev.e3, orgs.adaPersonal],
      // Its event is gone: its organizer's personal organization. (g2's organizer has none.)
      [ev.g1, orgs.adaPersonal],
    ];
    const stats = await rows<Record<string, unknown>>(
      sql`SELECT * FROM analytics_event_stats ORDER BY event_id`,
    );
    expect(sorted(stats.map((s) => [s.event_id, s.organization_id]))).toEqual(sorted(expected));
    expect(stats.map(({ organization_id: _, ...rest }) => rest)).toEqual(
      statsBefore.filter((s) => s.event_id !== ev.g2).map(({ organizer_id: _, ...rest }) => rest),
    );
    const live = await rows<{ seq: string; event_id: string; organization_id: string }>(
      sql`SELECT * FROM analytics_live_updates ORDER BY seq`,
    );
    expect(sorted(live.map((l) => [l.event_id, l.organization_id]))).toEqual(sorted(expected));
    expect(live.every((l) => !('organizer_id' in l))).toBe(true);

    const indexes = await rows<{ indexname: string; indexdef: string }>(sql`
      SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'analytics_event_stats'
      AND indexname LIKE 'analytics_event_stats_organi%'`);
    expect(indexes).toEqual([
      {
        indexname: 'analytics_event_stats_organization_idx',
        indexdef: expect.stringContaining('(organization_id, starts_at)'),
      },
    ]);
    const nulls = await rows<{ table_name: string; is_nullable: string }>(sql`
      SELECT table_name, is_nullable FROM information_schema.columns
      WHERE column_name = 'organization_id' AND table_name LIKE 'analytics%' ORDER BY 1`);
    expect(nulls).toEqual([
      { table_name: 'analytics_event_stats', is_nullable: 'NO' },
      { table_name: 'analytics_live_updates', is_nullable: 'NO' },
    ]);
  });

  it("replaces the organizer scope by the event scope summed by the event's organization", async () => {
    expect(await seriesOf('organizer')).toEqual([]);
    expect(await hoursOfKind('organizer')).toEqual([]);
    expect(sorted(await seriesOf('organization'))).toEqual(expectedSeries(organizationOf));
    // The same, spelled out: e1 + e2 in the team on D1, e1 alone on D2, e3 in Ada's own.
    expect(sorted(await seriesOf('organization'))).toEqual(
      sorted([
        [orgs.team, D1, [11, 22, 33, 5_000_001_000, 44, 55]],
        [orgs.team, D2, [6, 7, 8, 2_000, 9, 11]],
        [orgs.adaPersonal, D1, [100, 200, 300, 3_000, 400, 500]],
      ]),
    );
    const orgHours = sorted(await hoursOfKind('organization'));
    expect(orgHours).toEqual(expectedHours(organizationOf));
    const teamD1 = orgHours.find(([id, day]) => id === orgs.team && day === D1)?.[2] as number[][];
    expect(teamD1.map((col) => col.length)).toEqual([24, 24, 24, 24, 24, 24]);
    expect(teamD1[0]?.slice(0, 3)).toEqual([4, 8, 12]);
    expect(teamD1[3]?.[23]).toBe(4_000_000_046);

    expect(await seriesOf('all')).toEqual([
      ['00000000-0000-0000-0000-000000000000', D1, allSeries],
    ]);
    expect(await hoursOfKind('all')).toEqual([
      ['00000000-0000-0000-0000-000000000000', D1, hoursOf(13)],
    ]);
    expect(sorted(await seriesOf('event'))).toEqual(
      sorted(
        Object.entries(series).flatMap(([event, days]) => days.map(([d, f]) => [event, d, f])),
      ),
    );
    expect((await hoursOfKind('event')).length).toBe(5);
  });

  it('refuses an organizer scope afterwards', async () => {
    await expect(insertSeries('organizer', users.ada, D2, [0, 0, 0, 0, 0, 0])).rejects.toThrow(
      /analytics_series_scope_kind_check/,
    );
    await expect(insertHours('organizer', users.ada, D2, hoursOf(0))).rejects.toThrow(
      /analytics_hours_scope_kind_check/,
    );
  });

  it('goes down (keyed by organizer, its scope summed by event organizer) and up again', async () => {
    expect((await migration.down()).error).toBeUndefined();
    const organizers = [
      [ev.e1, users.ada],
      [ev.e2, users.bob],
      [ev.e3, users.ada],
      // The inverse of the way up: the owner of the personal organization holding it.
      [ev.g1, users.ada],
    ];
    const stats = await rows<Record<string, unknown>>(
      sql`SELECT * FROM analytics_event_stats ORDER BY event_id`,
    );
    expect(stats).toEqual(statsBefore.filter((s) => s.event_id !== ev.g2));
    const live = await rows<Record<string, unknown>>(
      sql`SELECT * FROM analytics_live_updates ORDER BY seq`,
    );
    expect(sorted(live.map((l) => [l.event_id, l.organizer_id]))).toEqual(sorted(organizers));
    expect(live.every((l) => !('organization_id' in l))).toBe(true);
    const indexes = await rows<{ indexname: string }>(sql`
      SELECT indexname FROM pg_indexes WHERE tablename = 'analytics_event_stats'
      AND indexname LIKE 'analytics_event_stats_organi%'`);
    expect(indexes).toEqual([{ indexname: 'analytics_event_stats_organizer_idx' }]);

    const organizerOfEvent = (event: string) => organizerOf[event] as string;
    expect(await seriesOf('organization')).toEqual([]);
    expect(await hoursOfKind('organization')).toEqual([]);
    // Rebuilt from the events that exist (g1's figures were already left out on the way up).
    expect(sorted(await seriesOf('organizer'))).toEqual(expectedSeries(organizerOfEvent));
    expect(sorted(await seriesOf('organizer'))).toEqual(
      sorted([
        [users.ada, D1, [101, 202, 303, 4_000, 404, 505]],
        [users.ada, D2, [6, 7, 8, 2_000, 9, 11]],
        [users.bob, D1, [10, 20, 30, 5_000_000_000, 40, 50]],
      ]),
    );
    expect(sorted(await hoursOfKind('organizer'))).toEqual(expectedHours(organizerOfEvent));
    await expect(insertSeries('organization', orgs.team, D2, [0, 0, 0, 0, 0, 0])).rejects.toThrow(
      /analytics_series_scope_kind_check/,
    );

    expect((await migration.up()).error).toBeUndefined();
    expect(sorted(await seriesOf('organization'))).toEqual(expectedSeries(organizationOf));
    expect(sorted(await hoursOfKind('organization'))).toEqual(expectedHours(organizationOf));
  });
});
