import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { useApiCluster } from './api-cluster.fixtures.js';
import { clientOf } from './api-cluster.js';
import {
  expectAuditAndOutboxMatchBookings,
  expectCountersMatchBookings,
} from './booking-ledger.js';
import { eventInput } from './event-input.js';
import { readSeatedHall, runSeatedSale, SEATED_ANSWERS, type SeatedCall } from './seated-sale.js';
import { arena } from './seating.fixtures.js';

// Issue 17's promise under a flash sale (the bench sells a 10,000-seat arena the same way): two
// API processes (`pnpm start:api`) on one database and Redis prefix; 300 callers loop over
// best-available parties of 1–4 (most asking to sit together, some not; told SEATS_NOT_TOGETHER,
// a party shrinks or splits) until each is told SOLD_OUT with no seat left, on a 1,000-seat hall
// (25 rows of 40). Then, in SQL: no seat in two live allocations, every booking holds exactly its
// quantity, every party seated together sits in one row with no seat of that row between its
// own, the counters are the allocations, and the hall is sold to the last seat. Free (confirmed
// at once) and paid (held, pending) in turn.
const USERS = 150;
const CALLERS = 300;
const ROWS = 25;
const PER_ROW = 40;
const SEATS = ROWS * PER_ROW;
const MAX_GROUP = 4;

describe('reserved seats under a flash sale: two API processes, 300 callers, 1,000 seats sold out', () => {
  const cast = useApiCluster({ database: 'seating_flash_sale', attendees: USERS });
  const runs: string[] = [];
  const throughProcess = new Map<number, number>();

  afterAll(() => {
    console.info(
      `seated flash sales (${SEATS} seats, ${CALLERS} callers): ${runs.join('; ')}; calls per process: ${JSON.stringify(Object.fromEntries(throughProcess))}`,
    );
  });

  async function seatedEvent(priced: boolean) {
    const { organizer } = cast();
    const draft = await organizer.events.create.mutate(
      eventInput({
        title: `Seated flash sale ${randomUUID().slice(0, 8)}`,
        venue: 'Arena',
        capacity: SEATS,
        priceCents: priced ? 2_500 : 0,
        maxPerBooking: MAX_GROUP,
      }),
    );
    await organizer.events.publish.mutate({ id: draft.id });
    const [type] = await organizer.ticketTypes.list.query({ eventId: draft.id });
    const typeId = type?.id ?? '';
    await organizer.seating.setPlan.mutate({
      eventId: draft.id,
      plan: arena(ROWS, PER_ROW, typeId),
    });
    return { eventId: draft.id, typeId };
  }

  it.each([
    { priced: false, seed: 17 },
    { priced: true, seed: 71 },
  ])(
    'priced: $priced — no seat sold twice, parties together, counters exact, sold to the last seat',
    async ({ priced, seed }) => {
      const { apis, attendees, db, organizer } = cast();
      const { eventId, typeId } = await seatedEvent(priced);
      const callers = Array.from({ length: CALLERS }, (_, i) => {
        const who = attendees[i % attendees.length];
        if (!who) throw new Error('no attendee');
        return apis.map((api) => clientOf(api, who));
      });
      const started = performance.now();
      const calls = await runSeatedSale({
        eventId,
        ticketTypeId: typeId,
        callers,
        seed,
        maxGroup: MAX_GROUP,
        togetherShare: 0.85,
        maxCallsPerCaller: 200,
      });
      const ms = Math.round(performance.now() - started);
      for (const c of calls) throughProcess.set(c.via, (throughProcess.get(c.via) ?? 0) + 1);

      // Every call was answered with a booking or a refusal the rules name, and every caller
      // stopped because the hall was sold out, with nothing left.
      const answers: Record<string, number> = {};
      for (const c of calls) answers[c.answer] = (answers[c.answer] ?? 0) + 1;
      expect(Object.keys(answers).filter((a) => !SEATED_ANSWERS.has(a))).toEqual([]);
      const last = new Map<number, SeatedCall>();
      for (const c of calls) last.set(c.caller, c);
      expect(last.size).toBe(CALLERS);
      expect(
        [...last.values()].filter((c) => c.answer !== 'SOLD_OUT' || c.available !== 0),
      ).toEqual([]);
      // Each refusal was right when it could be told: SOLD_OUT for more seats than were left,
      // SEATS_NOT_TOGETHER only for a party of two or more that asked to sit together.
      expect(
        calls.filter((c) => c.answer === 'SOLD_OUT' && !((c.available ?? 0) < c.quantity)),
      ).toEqual([]);
      expect(
        calls.filter((c) => c.answer === 'SEATS_NOT_TOGETHER' && (c.quantity < 2 || !c.together)),
      ).toEqual([]);

      const booked = calls.flatMap((c) => (c.booking ? [{ ...c, booking: c.booking }] : []));
      const seatsOf = (b: (typeof booked)[number]) =>
        b.booking.items.flatMap((i) => (i.seats ?? []).map((s) => s.seatId)).sort();
      for (const b of booked) {
        expect(b.booking).toMatchObject({
          eventId,
          quantity: b.quantity,
          status: priced ? 'pending' : 'confirmed',
        });
        expect(seatsOf(b)).toHaveLength(b.quantity);
      }

      const hall = await readSeatedHall(
        db,
        eventId,
        booked.filter((b) => b.together).map((b) => b.booking.id),
      );
      expect(hall.doubleSold).toEqual([]);
      expect(hall.miscounted).toEqual([]);
      expect(hall.apart).toEqual([]);
      // Sold to the last seat: parties of one were asked until the end, and any free seat seats one.
      expect(hall.free).toBe(0);
      expect(hall.liveAllocations).toBe(SEATS);
      expect(hall.inventory).toEqual(
        priced ? { confirmed: 0, held: SEATS } : { confirmed: SEATS, held: 0 },
      );
      // The books are what the callers were told, seat for seat.
      expect(hall.bookings.map((b) => b.id).sort()).toEqual(booked.map((b) => b.booking.id).sort());
      expect(new Set(hall.bookings.map((b) => b.status))).toEqual(
        new Set([priced ? 'pending' : 'confirmed']),
      );
      for (const b of booked) expect(hall.seatsOf.get(b.booking.id)).toEqual(seatsOf(b));
      // The public map agrees: nothing left to pick.
      const map = await organizer.seating.map.query({ eventId });
      expect(new Set(map.seats.map((s) => s.state))).toEqual(new Set([priced ? 'held' : 'sold']));

      await expectCountersMatchBookings(db);
      await expectAuditAndOutboxMatchBookings(db);
      const split = booked.filter((b) => !b.together).length;
      runs.push(
        `${priced ? 'paid' : 'free'} ${ms} ms: ${booked.length} bookings (${split} split), ${calls.length} calls ${JSON.stringify(answers)}`,
      );
    },
    120_000,
  );

  it('sold through both processes', () => {
    expect([...throughProcess.keys()].sort()).toEqual([0, 1]);
  });
});
