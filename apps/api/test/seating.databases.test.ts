import { randomUUID } from 'node:crypto';
import { seatingPlanInputSchema } from '@evently/contracts';
import type { DbHandle } from '@evently/db';
import { createTestDatabase } from '@evently/db/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/kernel/principal.js';
import type { Services } from '../src/services.js';
import { createMemoryDb, embeddedServices } from './embedded-server.js';
import { allocate, plan, row } from './seating.fixtures.js';

// The seating module on both databases it runs on (embedded PGlite, and Postgres through `pg`):
// its statements pass whole columns as arrays (unnest, any), so labels with the characters an
// array literal quotes — double quotes, commas, braces, backslashes — and non-ASCII text must
// come back as written, seats keep their ids across plans, and states are read the same.

const TRICKY = 'He said "hi", {x}\\ é';

describe.each([
  [
    'embedded PGlite',
    async () => ({ handle: await createMemoryDb(), drop: () => Promise.resolve() }),
  ],
  [
    'Postgres',
    async () => {
      const test = await createTestDatabase('seating-databases');
      return { handle: test.handle, drop: () => test.drop() };
    },
  ],
] as const)('seating on %s', (_, open) => {
  let db: DbHandle;
  let drop: () => Promise<void>;
  let services: Services;
  const user = randomUUID();
  const event = randomUUID();
  const type = randomUUID();
  /** An event without a plan, and its type. */
  const fresh = randomUUID();
  const freshType = randomUUID();
  const admin: Principal = { kind: 'user', userId: user, role: 'admin', sessionId: 'session' };

  beforeAll(async () => {
    ({ handle: db, drop } = await open());
    services = await embeddedServices(db, 'test', pino({ level: 'silent' }));
    const k = db.db;
    const at = new Date();
    const org = randomUUID();
    await k
      .insertInto('users')
      .values({
        id: user,
        email: `${user}@example.com`,
        name: 'A',
        role: 'admin',
        password_hash: 'x',
        updated_at: at,
      })
      .execute();
    await k
      .insertInto('organizations')
      .values({ id: org, name: 'O', slug: `o-${org}`, updated_at: at })
      .execute();
    for (const [id, typeId] of [
      [event, type],
      [fresh, freshType],
    ] as const) {
      await k
        .insertInto('events')
        .values({
          id,
          organizer_id: user,
          organization_id: org,
          status: 'draft',
          title: 'Show',
          description: '',
          venue: 'Hall',
          starts_at: new Date(at.getTime() + 86_400_000),
          ends_at: new Date(at.getTime() + 90_000_000),
          capacity: 10,
          price_cents: 0,
          currency: 'EUR',
          max_per_booking: 4,
          max_per_user: null,
          sales_start_at: null,
          sales_end_at: null,
          updated_at: at,
        })
        .execute();
      await k
        .insertInto('ticket_types')
        .values({ id: typeId, event_id: id, name: 'GA', price_cents: 0, updated_at: at })
        .execute();
    }
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  const setPlan = (rows: ReturnType<typeof row>[]) =>
    services.seating.setPlan(admin, {
      eventId: event,
      plan: seatingPlanInputSchema.parse(plan({ main: rows })),
    });

  it('writes and reads seats as given, keeps their ids, and reads their states', async () => {
    await setPlan([
      row('A', 3, type, 0.5, (s) => ({
        label: s.key === '2' ? TRICKY : s.key,
        accessible: s.key === '1',
        x: Number(s.key) * 1.25,
      })),
    ]);
    const first = await services.seating.map(admin, event);
    expect(first.seats.map((s) => [s.label, s.x, s.y, s.accessible])).toEqual([
      ['1', 1.25, 0.5, true],
      [TRICKY, 2.5, 0.5, false],
      ['3', 3.75, 0.5, false],
    ]);
    expect(first.sections).toEqual([
      { key: 'main', name: 'Section main', rows: [{ key: 'A', label: 'Row A' }] },
    ]);

    const again = await setPlan([row('A', 2, type)]);
    expect(again.version).toBe(2);
    const second = await services.seating.map(admin, event);
    expect(second.seats.map((s) => s.id)).toEqual(first.seats.slice(0, 2).map((s) => s.id));

    const [one, two] = second.seats.map((s) => s.id);
    await allocate(db.db, {
      eventId: event,
      userId: user,
      seatIds: [one ?? ''],
      status: 'confirmed',
    });
    expect(await services.seating.block(admin, { eventId: event, seatIds: [two ?? ''] })).toEqual({
      blocked: 1,
    });
    expect((await services.seating.map(admin, event)).seats.map((s) => s.state)).toEqual([
      'sold',
      'blocked',
    ]);
  });

  it('makes one first plan when two come at once: the other finds it (VERSION_CONFLICT)', async () => {
    const first = (n: number) =>
      services.seating
        .setPlan(admin, {
          eventId: fresh,
          expectedVersion: 0,
          plan: seatingPlanInputSchema.parse(plan({ main: [row('A', n, freshType)] })),
        })
        .then(
          (set) => set.seats,
          (error: { appCode?: string }) => error.appCode,
        );
    const outcomes = await Promise.all([first(2), first(3)]);
    expect(outcomes.filter((o) => o === 'VERSION_CONFLICT')).toHaveLength(1);
    const won = outcomes.find((o) => typeof o === 'number');
    const map = await services.seating.map(admin, fresh);
    expect(map).toMatchObject({ version: 1 });
    expect(map.seats).toHaveLength(Number(won));
  });
});
