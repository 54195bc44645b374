import { randomUUID } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

// A Part 1 database (events of organizers, their analytics keyed by organizer) through every
// organizations migration: each organizer's figures read the same from their personal
// organization afterwards — totals, daily and hourly series, the live log — to the cent.

const FIRST = '2026-12-06-002-organizations';
const LAST = '2026-12-06-004-analytics-by-organization';
const ALL = '00000000-0000-0000-0000-000000000000';
const COLUMNS = 'bookings, tickets, cancellations, revenue_cents, new_users, verified_users';
const DAYS = ['2026-11-28T00:00:00.000Z', '2026-11-29T00:00:00.000Z'];

describe('a Part 1 database through the organizations migrations', () => {
  const migration = useDatabaseBefore(FIRST);
  const organizers = [randomUUID(), randomUUID()];
  /** Three events of the first organizer, two of the second. */
  const events = [0, 0, 0, 1, 1].map((o) => ({ id: randomUUID(), organizer: organizers[o] ?? '' }));
  const run = (query: RawBuilder<unknown>) => query.execute(migration.db());
  const rows = async (query: RawBuilder<Record<string, unknown>>) =>
    (await query.execute(migration.db())).rows;
  /** A scope's rows, keyed by scope id, as plain numbers. */
  const scopeRows = async (table: 'analytics_series' | 'analytics_hours', kind: string) => {
    const time = table === 'analytics_series' ? 'bucket' : 'day';
    const found = await rows(sql`SELECT scope_id, ${sql.ref(time)} AS at, ${sql.raw(COLUMNS)}
      FROM ${sql.table(table)} WHERE scope_kind = ${kind} ORDER BY scope_id, at`);
    return found.map(({ scope_id, at, ...figures }) => ({
      id: String(scope_id),
      at: (at as Date).toISOString(),
      figures: JSON.stringify(figures),
    }));
  };
  const personalOf = async (userId: string) =>
    String(
      (
        await rows(sql`SELECT id FROM organizations
          WHERE slug = ${`u-${userId.replaceAll('-', '')}`}`)
      )[0]?.id,
    );

  it("keeps every organizer's figures, now their personal organization's", async () => {
    for (const [i, id] of organizers.entries()) {
      await run(sql`INSERT INTO users (id, email, name, role, password_hash)
        VALUES (${id}, ${`organizer${i}@example.com`}, ${`Organizer ${i}`}, 'organizer', 'x')`);
    }
    // The projection's writes as Part 1 made them: each fact in its event's and its organizer's
    // scope (and overall), every figure different.
    const organizerSums = new Map<string, number[]>();
    const organizerHours = new Map<string, number[][]>();
    for (const [n, event] of events.entries()) {
      await run(sql`INSERT INTO events (id, organizer_id, status, title, venue, starts_at,
        ends_at, capacity, price_cents, currency, max_per_booking)
        VALUES (${event.id}, ${event.organizer}, 'published', ${`Show ${n}`}, 'Hall',
        '2027-01-10T18:00:00Z', '2027-01-10T21:00:00Z', 100, 2500, 'EUR', 4)`);
      await run(sql`INSERT INTO analytics_event_stats (event_id, organizer_id, title, status,
        capacity, starts_at, event_version, confirmed_bookings, tickets_sold, revenue_cents,
        live_seq)
        VALUES (${event.id}, ${event.organizer}, ${`Show ${n}`}, 'published', 100,
        '2027-01-10T18:00:00Z', 1, ${n + 1}, ${2 * n + 3}, ${(n + 1) * 3_000_000_000}, ${n + 1})`);
      await run(sql`INSERT INTO analytics_live_updates (seq, event_id, organizer_id, stats)
        VALUES (${n + 1}, ${event.id}, ${event.organizer}, ${JSON.stringify({ n })})`);
      for (const [d, day] of DAYS.entries()) {
        const f = [n + d + 1, 2 * n + d + 2, d, (n + 1) * 1_000_000_000 + d, 0, 0];
        const h = f.map((v, c) =>
          Array.from({ length: 24 }, (_, hour) => (hour === n + c ? v : 0)),
        );
        await run(sql`INSERT INTO analytics_series (granularity, scope_kind, scope_id, bucket,
          ${sql.raw(COLUMNS)}) VALUES ('day', 'event', ${event.id}, ${day}, ${sql.join(f)})`);
        await run(sql`INSERT INTO analytics_hours (scope_kind, scope_id, day, ${sql.raw(COLUMNS)})
          VALUES ('event', ${event.id}, ${day}, ${sql.join(h)})`);
        const key = `${event.organizer}|${day}`;
        const sum = organizerSums.get(key) ?? [0, 0, 0, 0, 0, 0];
        organizerSums.set(
          key,
          sum.map((v, c) => v + (f[c] ?? 0)),
        );
        const hours = organizerHours.get(key) ?? h.map((col) => col.map(() => 0));
        organizerHours.set(
          key,
          hours.map((col, c) => col.map((v, hour) => v + (h[c]?.[hour] ?? 0))),
        );
      }
    }
    for (const [key, f] of organizerSums) {
      const [organizer, day] = key.split('|');
      await run(sql`INSERT INTO analytics_series (granularity, scope_kind, scope_id, bucket,
        ${sql.raw(COLUMNS)}) VALUES ('day', 'organizer', ${organizer}, ${day}, ${sql.join(f)})`);
      await run(sql`INSERT INTO analytics_hours (scope_kind, scope_id, day, ${sql.raw(COLUMNS)})
        VALUES ('organizer', ${organizer}, ${day}, ${sql.join(organizerHours.get(key) ?? [])})`);
    }
    await run(sql`INSERT INTO analytics_series (granularity, scope_kind, scope_id, bucket,
      ${sql.raw(COLUMNS)}) VALUES ('day', 'all', ${ALL}, ${DAYS[0]}, 9, 9, 9, 9, 9, 9)`);

    const before = {
      series: await scopeRows('analytics_series', 'organizer'),
      hours: await scopeRows('analytics_hours', 'organizer'),
      all: await scopeRows('analytics_series', 'all'),
      events: await scopeRows('analytics_series', 'event'),
      stats: await rows(sql`SELECT * FROM analytics_event_stats ORDER BY event_id`),
      live: await rows(sql`SELECT seq, event_id, stats FROM analytics_live_updates ORDER BY seq`),
    };

    expect((await migration.upTo(LAST)).error).toBeUndefined();

    // The organizer's rows, under their personal organization's id.
    const personal = new Map<string, string>();
    for (const id of organizers) personal.set(id, await personalOf(id));
    const renamed = (list: typeof before.series) =>
      list
        .map((r) => ({ ...r, id: personal.get(r.id) ?? 'none' }))
        .sort((a, b) => a.id.localeCompare(b.id) || a.at.localeCompare(b.at));
    expect(await scopeRows('analytics_series', 'organization')).toEqual(renamed(before.series));
    expect(await scopeRows('analytics_hours', 'organization')).toEqual(renamed(before.hours));
    expect(await scopeRows('analytics_series', 'all')).toEqual(before.all);
    expect(await scopeRows('analytics_series', 'event')).toEqual(before.events);
    const organizerOf = new Map<string, string>(events.map((e) => [e.id, e.organizer]));
    expect(await rows(sql`SELECT * FROM analytics_event_stats ORDER BY event_id`)).toEqual(
      before.stats.map(({ organizer_id: _o, ...row }) => ({
        ...row,
        organization_id: personal.get(organizerOf.get(String(row.event_id)) ?? ''),
      })),
    );
    const live = await rows(sql`SELECT seq, event_id, stats, organization_id
      FROM analytics_live_updates ORDER BY seq`);
    expect(live).toEqual(
      before.live.map((row) => ({
        ...row,
        organization_id: personal.get(organizerOf.get(String(row.event_id)) ?? ''),
      })),
    );
  });
});
