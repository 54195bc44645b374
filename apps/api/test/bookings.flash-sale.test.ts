import { randomUUID } from 'node:crypto';
import type { Booking } from '@evently/contracts';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { useApiCluster } from './api-cluster.fixtures.js';
import { type ApiProcess, type Caller, clientOf } from './api-cluster.js';
import { type Outcome, outcomeOf } from './app-error.js';
import { expectAuditAndOutboxMatchBookings, expectOneItemPerBooking } from './booking-ledger.js';
import { eventInput } from './event-input.js';
import { watchInventory } from './inventory-watcher.js';

// The promise of issue 5 under a flash sale: two API processes (`pnpm start:api`, the production
// layout) on one Postgres database and one Redis prefix; 1,000 concurrent bookings of 1–3 seats
// against capacity 100, ten times. Nothing may be oversold, lost, half-written or left unanswered.
// Beside it: 600 bookings over 20 events at once (each process's quiet events share rounds), and
// one idempotency key raced over both processes.
const RUNS = 10;
const USERS = 200;
const REQUESTS_PER_USER = 5;
const CAPACITY = 100;
const MAX_PER_BOOKING = 3;
const MANY_EVENTS = 20;
const MANY_EVENTS_CAPACITY = 30;

interface Attempt {
  user: Caller;
  quantity: number;
  api: ApiProcess;
  outcome: Outcome<Booking>;
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe('bookings under a flash sale: two API processes, 1,000 concurrent bookings, 10 times', () => {
  const cast = useApiCluster({ database: 'bookings_flash_sale', attendees: USERS });
  const seatsBookedThrough = new Map<string, number>();
  const durations: { run: number; priced: boolean; ms: number; bookings: number }[] = [];
  let failedInventoryReads = 0;

  afterAll(() => {
    console.info(
      `flash sale runs (1,000 bookings.create each): ${durations
        .map((d) => `#${d.run} ${d.priced ? 'paid' : 'free'} ${d.ms} ms (${d.bookings} bookings)`)
        .join(', ')}; seats booked per process: ${JSON.stringify(
        Object.fromEntries(seatsBookedThrough),
      )}; inventory reads retried: ${failedInventoryReads}`,
    );
  });

  async function publishedEvent(priced: boolean, capacity = CAPACITY): Promise<string> {
    const { organizer } = cast();
    const event = await organizer.events.create.mutate(
      eventInput({
        title: `Flash sale ${randomUUID().slice(0, 8)}`,
        venue: 'Arena',
        capacity,
        priceCents: priced ? 2_500 : 0,
        maxPerBooking: MAX_PER_BOOKING,
      }),
    );
    await organizer.events.publish.mutate({ id: event.id });
    return event.id;
  }

  it.each(Array.from({ length: RUNS }, (_, i) => ({ run: i + 1, priced: i % 2 === 0 })))(
    'run $run (priced: $priced): never oversold, every caller answered, books and logs agree',
    async ({ run, priced }) => {
      const { apis, attendees, db } = cast();
      const eventId = await publishedEvent(priced);
      const planned = shuffled(
        attendees.flatMap((user) =>
          Array.from({ length: REQUESTS_PER_USER }, () => ({
            user,
            quantity: 1 + Math.floor(Math.random() * MAX_PER_BOOKING),
            api: apis[Math.floor(Math.random() * apis.length)] as ApiProcess,
          })),
        ),
      );
      const watcher = watchInventory(db, eventId);
      const started = performance.now();
      const attempts: Attempt[] = await Promise.all(
        planned.map(async (plan) => ({
          ...plan,
          outcome: await outcomeOf(
            clientOf(plan.api, plan.user).bookings.create.mutate({
              eventId,
              quantity: plan.quantity,
            }),
          ),
        })),
      );
      const ms = Math.round(performance.now() - started);
      const samples = await watcher.stop();
      failedInventoryReads += watcher.failedReads();

      // Every caller got a definite answer: a booking or SOLD_OUT — no timeout, no INTERNAL.
      const answers = new Map<string, number>();
      for (const a of attempts) {
        const key = a.outcome.kind === 'answered' ? 'booked' : a.outcome.code;
        answers.set(key, (answers.get(key) ?? 0) + 1);
      }
      expect(Object.fromEntries(answers)).toEqual({
        booked: expect.any(Number),
        SOLD_OUT: expect.any(Number),
      });

      const booked = attempts.flatMap((a) =>
        a.outcome.kind === 'answered' ? [{ ...a, booking: a.outcome.value }] : [],
      );
      for (const { booking, user, quantity } of booked) {
        expect(booking).toMatchObject({
          eventId,
          userId: user.userId,
          quantity,
          status: priced ? 'pending' : 'confirmed',
          totalCents: quantity * (priced ? 2_500 : 0),
        });
        expect(booking.expiresAt === null).toBe(!priced);
      }
      for (const { api, quantity } of booked) {
        seatsBookedThrough.set(api.name, (seatsBookedThrough.get(api.name) ?? 0) + quantity);
      }
      const seats = booked.reduce((sum, b) => sum + b.quantity, 0);

      // The bookings table is exactly what the callers were told, and the inventory row agrees.
      const rows = await db
        .selectFrom('bookings')
        .select(['id', 'user_id', 'quantity', 'status'])
        .where('event_id', '=', eventId)
        .execute();
      expect(rows.map((r) => r.id).sort()).toEqual(booked.map((b) => b.booking.id).sort());
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
      const inventory = await db
        .selectFrom('event_inventory')
        .select(['capacity', 'confirmed', 'held'])
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow();
      const { live } = await db
        .selectFrom('bookings')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('quantity'), sql<string>`0`).as('live'))
        .where('event_id', '=', eventId)
        .where('status', 'in', ['pending', 'confirmed'])
        .executeTakeFirstOrThrow();
      expect(Number(live)).toBe(seats);
      expect(inventory).toEqual({
        capacity: CAPACITY,
        confirmed: priced ? 0 : seats,
        held: priced ? seats : 0,
      });
      expect(seats).toBeLessThanOrEqual(CAPACITY);

      // Never over capacity at any instant of the run, and never a half-applied batch.
      expect(samples.length).toBeGreaterThan(0);
      for (const sample of samples) {
        expect(sample.taken).toBeLessThanOrEqual(CAPACITY);
        expect(sample.booked).toBe(sample.taken);
      }

      // No capacity was lost: a refusal of q seats means fewer than q were free then, and seats
      // only got fewer after — so what remains is below every refused quantity (and below 3).
      const refusedQuantities = attempts.flatMap((a) =>
        a.outcome.kind === 'refused' ? [a.quantity] : [],
      );
      expect(CAPACITY - seats).toBeLessThan(Math.min(MAX_PER_BOOKING, ...refusedQuantities));

      await expectAuditAndOutboxMatchBookings(db);
      // Part 1's call: each booking is one line of the event's General admission type.
      await expectOneItemPerBooking(db);
      durations.push({ run, priced, ms, bookings: booked.length });
    },
    90_000,
  );

  it.each([1, 2, 3])(
    'many events at once, run %i: 600 bookings over 20 events and both processes, never oversold',
    async () => {
      const { apis, attendees, db } = cast();
      // Quiet events share each process's rounds; an event booked through both turns contended.
      const events = await Promise.all(
        Array.from({ length: MANY_EVENTS }, (_, i) =>
          publishedEvent(i % 2 === 0, MANY_EVENTS_CAPACITY),
        ),
      );
      const planned = shuffled(
        attendees.flatMap((user) =>
          Array.from({ length: 3 }, () => ({
            user,
            eventId: events[Math.floor(Math.random() * events.length)] as string,
            quantity: 1 + Math.floor(Math.random() * MAX_PER_BOOKING),
            api: apis[Math.floor(Math.random() * apis.length)] as ApiProcess,
          })),
        ),
      );
      const attempts = await Promise.all(
        planned.map(async (plan) => ({
          ...plan,
          outcome: await outcomeOf(
            clientOf(plan.api, plan.user).bookings.create.mutate({
              eventId: plan.eventId,
              quantity: plan.quantity,
            }),
          ),
        })),
      );
      const codes = new Set(
        attempts.map((a) => (a.outcome.kind === 'answered' ? 'booked' : a.outcome.code)),
      );
      expect([...codes].sort()).toEqual(['SOLD_OUT', 'booked']);

      const rows = await db
        .selectFrom('bookings')
        .select(['id', 'event_id', 'quantity'])
        .where('event_id', 'in', events)
        .execute();
      const inventories = await db
        .selectFrom('event_inventory')
        .select(['event_id', 'confirmed', 'held'])
        .where('event_id', 'in', events)
        .execute();
      for (const eventId of events) {
        const mine = attempts.filter((a) => a.eventId === eventId);
        const booked = mine.flatMap((a) =>
          a.outcome.kind === 'answered' ? [a.outcome.value] : [],
        );
        const seats = booked.reduce((sum, b) => sum + b.quantity, 0);
        expect(
          rows
            .filter((r) => r.event_id === eventId)
            .map((r) => r.id)
            .sort(),
        ).toEqual(booked.map((b) => b.id).sort());
        const inventory = inventories.find((i) => i.event_id === eventId);
        expect((inventory?.confirmed ?? 0) + (inventory?.held ?? 0)).toBe(seats);
        expect(seats).toBeLessThanOrEqual(MANY_EVENTS_CAPACITY);
        // No capacity lost: every refusal was for more seats than were left at the end.
        const refused = mine.flatMap((a) => (a.outcome.kind === 'refused' ? [a.quantity] : []));
        if (refused.length > 0)
          expect(MANY_EVENTS_CAPACITY - seats).toBeLessThan(Math.min(...refused));
      }
      await expectAuditAndOutboxMatchBookings(db);
    },
    90_000,
  );

  it('one idempotency key, 50 parallel identical requests over both processes: one booking', async () => {
    const { apis, attendees, db } = cast();
    const eventId = await publishedEvent(true);
    const [user] = attendees;
    if (!user) throw new Error('no attendee');
    const idempotencyKey = `flash-${randomUUID()}`;
    const call = (api: ApiProcess, quantity: number) =>
      outcomeOf(
        clientOf(api, user).bookings.create.mutate({
          eventId,
          quantity,
          idempotencyKey,
        }),
      );
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call(apis[i % apis.length] as ApiProcess, 2)),
    );
    const ids = new Set(outcomes.map((o) => (o.kind === 'answered' ? o.value.id : o.code)));
    expect(ids.size).toBe(1);
    const [id] = ids;
    const rows = await db
      .selectFrom('bookings')
      .select(['id', 'quantity'])
      .where('event_id', '=', eventId)
      .execute();
    expect(rows).toEqual([{ id, quantity: 2 }]);
    for (const api of apis) {
      expect(await call(api, 3)).toMatchObject({ kind: 'refused', code: 'IDEMPOTENCY_KEY_REUSED' });
      expect(await call(api, 2)).toMatchObject({ kind: 'answered', value: { id } });
    }
    await expectAuditAndOutboxMatchBookings(db);
  });

  it('spread the bookings over both processes', () => {
    expect([...seatsBookedThrough.keys()].sort()).toEqual(['A', 'B']);
  });
});
