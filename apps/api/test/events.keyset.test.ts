import { randomUUID } from 'node:crypto';
import type { EventInput } from '@evently/contracts';
import { personalOrganization } from '@evently/db/testing/personal-organization';
import type { EventlyClient } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

// Keyset pagination of events.list over HTTP while events are inserted concurrently: every event
// that existed before the walk is seen exactly once, in (startsAt, id) order; new events appear
// at most once, in order, and exactly when the keyset rules say they must.
const ORIGINALS = 1_000;
/** Originals share their start in groups of this size, so the id tiebreak is exercised. */
const TIE_GROUP = 4;
const LIMIT = 50;
/** Inserts finished before each page request (the walk waits for them): true concurrency. */
const INSERTS_PER_PAGE = 2;
const HOUR = 3_600_000;

interface Key {
  at: number;
  id: string;
}

/** The list's order: startsAt, then id (lowercase UUID text compares like Postgres' uuid). */
const compare = (x: Key, y: Key) => x.at - y.at || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
const keyOf = (e: { startsAt: string; id: string }): Key => ({
  at: new Date(e.startsAt).getTime(),
  id: e.id,
});

/** One global clock of test steps, to order page requests and inserts against each other. */
let ticks = 0;
const tick = () => ++ticks;

interface PageRecord {
  startTick: number;
  endTick: number;
  /** The key the page continues after (null for the first page). */
  after: Key | null;
  last: Key | null;
}

interface InsertRecord {
  key: Key;
  /** Before `events.create` was sent. */
  startTick: number;
  /** After `events.publish` returned (the event is public from then on). */
  doneTick: number;
}

function input(startsAt: number): EventInput {
  return {
    title: `Concurrent ${randomUUID()}`,
    venue: 'Hall K',
    description: '',
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(startsAt + HOUR).toISOString(),
    capacity: 10,
    priceCents: 500,
    currency: 'EUR',
  };
}

describe('events.list keyset pagination with concurrent inserts', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let anonymous: EventlyClient;
  /** Every public event in the table before the current walk, in list order. */
  let known: Key[] = [];
  let base = 0;

  beforeAll(async () => {
    app = await startTestApp();
    organizer = await app.signUp({ role: 'organizer' });
    anonymous = app.client();
    base = Math.ceil((Date.now() + 10 * 24 * HOUR) / HOUR) * HOUR;
    // Setup straight into the test database (the walk itself goes through HTTP and the SDK).
    const now = new Date();
    const organizationId = await personalOrganization(app.db.handle.db, organizer.tokens.user.id);
    const rows = Array.from({ length: ORIGINALS }, (_, i) => {
      const startsAt = new Date(base + Math.floor(i / TIE_GROUP) * HOUR);
      return {
        id: randomUUID(),
        organizer_id: organizer.tokens.user.id,
        organization_id: organizationId,
        status: 'published' as const,
        title: `Original ${i}`,
        description: 'seeded',
        venue: 'Hall S',
        starts_at: startsAt,
        ends_at: new Date(startsAt.getTime() + HOUR),
        capacity: 100,
        price_cents: 1_000,
        currency: 'EUR',
        max_per_booking: 10,
        published_at: now,
        updated_at: now,
      };
    });
    const db = app.db.handle.db;
    await db.insertInto('events').values(rows).execute();
    await db
      .insertInto('event_inventory')
      .values(rows.map((r) => ({ event_id: r.id, capacity: r.capacity, updated_at: now })))
      .execute();
    known = rows.map((r) => ({ at: r.starts_at.getTime(), id: r.id })).sort(compare);
  });
  afterAll(async () => app?.close());

  const listInput = (cursor: string | null | undefined, from: number | undefined) => ({
    limit: LIMIT,
    cursor,
    ...(from !== undefined && { from: new Date(from).toISOString() }),
  });

  /**
   * A plain walk: every known event (matching `from`) once, in order. It also fills the read
   * cache with these pages, so a walk right after would be served stale pages if writes did not
   * retire them.
   */
  async function walkQuietly(from?: number): Promise<void> {
    const seen: Key[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await anonymous.events.list.query(listInput(cursor, from));
      seen.push(...page.items.map(keyOf));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(known.filter((k) => from === undefined || k.at >= from));
  }

  /**
   * Walks the list page by page (filter `from` when given) while a second loop creates and
   * publishes events through the API, some behind the walk's position and some ahead of it.
   */
  async function walkWhileInserting(from?: number) {
    const pages: PageRecord[] = [];
    const inserts: InsertRecord[] = [];
    let position = from ?? base;
    let walking = true;
    let done = 0;

    const inserter = (async () => {
      for (let i = 0; walking; i += 1) {
        // Behind: up to 3 h before the position (0 h: a tie, its id decides the side); ahead:
        // up to a day after it.
        const offset = i % 2 === 0 ? -(i % 4) * HOUR : ((i * 7) % 25) * HOUR;
        const startsAt = position + offset;
        const startTick = tick();
        const draft = await organizer.client.events.create.mutate(input(startsAt));
        await organizer.client.events.publish.mutate({ id: draft.id });
        inserts.push({ key: keyOf(draft), startTick, doneTick: tick() });
        done += 1;
      }
    })();

    const seen: Key[] = [];
    let cursor: string | null | undefined;
    try {
      do {
        const wanted = (pages.length + 1) * INSERTS_PER_PAGE;
        await vi.waitFor(() => expect(done).toBeGreaterThanOrEqual(wanted), {
          timeout: 10_000,
          interval: 2,
        });
        const startTick = tick();
        const page = await anonymous.events.list.query(listInput(cursor, from));
        const keys = page.items.map(keyOf);
        pages.push({
          startTick,
          endTick: tick(),
          after: seen.at(-1) ?? null,
          last: keys.at(-1) ?? null,
        });
        expect(keys.length).toBeLessThanOrEqual(LIMIT);
        if (page.nextCursor) expect(keys.length).toBe(LIMIT);
        seen.push(...keys);
        position = seen.at(-1)?.at ?? position;
        cursor = page.nextCursor;
      } while (cursor);
    } finally {
      walking = false;
      await inserter;
    }
    return { seen, pages, inserts };
  }

  function checkWalk(walk: Awaited<ReturnType<typeof walkWhileInserting>>, from?: number) {
    const { seen, pages, inserts } = walk;
    const ids = seen.map((k) => k.id);
    expect(new Set(ids).size, 'no event twice').toBe(ids.length);
    for (let i = 1; i < seen.length; i += 1) {
      const [before, after] = [seen[i - 1] as Key, seen[i] as Key];
      if (compare(before, after) >= 0) {
        expect.fail(
          `out of order at ${i}: ${JSON.stringify(before)} then ${JSON.stringify(after)}`,
        );
      }
    }
    if (from !== undefined) expect(seen.every((k) => k.at >= from)).toBe(true);

    // Every event that existed before the walk (and matches the filter): exactly once.
    const expected = known.filter((k) => from === undefined || k.at >= from);
    const seenIds = new Set(ids);
    expect(expected.filter((k) => !seenIds.has(k.id))).toEqual([]);

    // New events: whatever appears is one of them, and the keyset rules decide which must.
    const insertedIds = new Set(inserts.map((e) => e.key.id));
    const expectedIds = new Set(expected.map((k) => k.id));
    expect(ids.filter((id) => !expectedIds.has(id) && !insertedIds.has(id))).toEqual([]);
    let mustAppear = 0;
    let mustNot = 0;
    for (const e of inserts) {
      const matches = from === undefined || e.key.at >= from;
      // Public before this page was asked for, and ahead of where it continues: on it or later.
      const next = pages.find((p) => p.startTick > e.doneTick);
      const shouldAppear = matches && next && (!next.after || compare(e.key, next.after) > 0);
      // Created after the walk had returned a page reaching past it: behind every later cursor.
      const passed = pages.some(
        (p) => p.endTick < e.startTick && p.last && compare(p.last, e.key) >= 0,
      );
      if (shouldAppear) {
        mustAppear += 1;
        expect(seenIds.has(e.key.id), `inserted ${JSON.stringify(e)} ahead of the walk`).toBe(true);
      }
      if (passed || !matches) {
        mustNot += 1;
        expect(seenIds.has(e.key.id), `inserted ${JSON.stringify(e)} behind the walk`).toBe(false);
      }
    }
    // The walk really raced with inserts on both sides of its position.
    expect(inserts.length).toBeGreaterThanOrEqual(pages.length * INSERTS_PER_PAGE);
    expect(mustAppear).toBeGreaterThan(5);
    expect(mustNot).toBeGreaterThan(5);
    known = [...known, ...inserts.map((e) => e.key)].sort(compare);
  }

  it('walks all 1,000 events exactly once, in order, while events are inserted', async () => {
    await walkQuietly();
    const walk = await walkWhileInserting();
    expect(walk.pages.length).toBeGreaterThanOrEqual(ORIGINALS / LIMIT);
    checkWalk(walk);
  });

  it('walks a `from` filter exactly once, in order, while events are inserted', async () => {
    // Mid-list, on the first of a tie group: the whole group is in, nothing before it.
    const from = base + 100 * HOUR;
    await walkQuietly(from);
    const walk = await walkWhileInserting(from);
    expect(walk.seen.length).toBeGreaterThanOrEqual(ORIGINALS - 100 * TIE_GROUP);
    checkWalk(walk, from);
  });
});
