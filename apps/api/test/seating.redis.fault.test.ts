import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Booking } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { type ClusterCast, useApiCluster } from './api-cluster.fixtures.js';
import { type ApiProcess, type Caller, clientOf } from './api-cluster.js';
import { outcomeOf } from './app-error.js';
import {
  expectAuditAndOutboxMatchBookings,
  expectCountersMatchBookings,
} from './booking-ledger.js';
import { seededRandom } from './booking-mix.js';
import { eventInput } from './event-input.js';
import { sampleUntilStopped } from './inventory-watcher.js';
import { arena } from './seating.fixtures.js';

// Reserved seats while Redis dies (issue 17: "Redis killed mid-sale: no double-sold seat, nothing
// half-written"). Two API processes on a THROWAWAY redis-server sell a 10 × 30 hall to concurrent
// callers — groups seated best-available, named seats, a third of the holds paid at once — while
// Redis is SIGKILLed mid-sale, stays away 2 s and comes back empty; the sale then sells out.
// Twice: every batch under the event lock (BOOKING_EVENT_LOCK=always, as the other Redis fault
// tests: each process answers SERVICE_UNAVAILABLE until Redis is back), and the default policy
// (no lock until the event is contended: the sale goes on without Redis). Only Postgres keeps the
// seats: none sold twice, each booking with exactly its seats, every count agreeing at every
// instant, no allocated seat shown free, the books holding exactly what callers were told.
const SEED = Number(process.env.SEATING_FAULT_SEED ?? Date.now() % 1_000_000);
const USERS = 40;
const CALLERS = 12;
const [ROWS, PER_ROW] = [10, 30];
const SEATS = ROWS * PER_ROW;
const MAX_PER_BOOKING = 5;
/** Seats sold before the kill, so it lands mid-sale. */
const SOLD_BEFORE_KILL = 60;
/** How long Redis stays away while callers keep booking. */
const OUTAGE_MS = 2_000;
/** The whole sale's bound (it takes a few seconds plus the outage). */
const SALE_MS = 45_000;
const PAID_SHARE = 1 / 3;
const ANSWERS = {
  create: ['ok', 'SOLD_OUT', 'SEAT_UNAVAILABLE', 'SEATS_NOT_TOGETHER', 'SERVICE_UNAVAILABLE'],
  pay: ['ok', 'SERVICE_UNAVAILABLE'],
};
/** `refuses`: every process answers SERVICE_UNAVAILABLE while Redis is away; `sells`: it sells. */
const MODES = [
  { lock: 'always', outage: 'refuses' },
  { lock: 'contended', outage: 'sells' },
] as const;

type Phase = 'before' | 'outage' | 'after';
type SeatedEvent = { eventId: string; typeId: string };

/** One answer: to which call, through which process, in which phase it was sent. */
type Heard = { answer: string; what: 'create' | 'pay'; via: string; phase: Phase };

/** One booking call under one idempotency key, its answers, and its hold's payment. */
interface Call {
  key: string;
  user: Caller;
  quantity: number;
  seatIds?: string[];
  together?: false;
  answers: string[];
  booking?: { id: string; seatIds: string[]; totalCents: number; currency: string };
  paid?: boolean;
}

const seatIdsOf = (booking: Booking) =>
  booking.items.flatMap((i) => (i.seats ?? []).map((s) => s.seatId));
const sorted = (ids: Iterable<string>) => [...ids].sort().join();

/**
 * CALLERS callers booking through random processes until the event is sold out: some name
 * adjacent seats they believe free, the others ask for a group seated together (or apart, now
 * and then); some holds are paid at once by the organizer (through the first process). A
 * SERVICE_UNAVAILABLE is retried under the same key after a short backoff, as a client would.
 */
function createSeatSale(cast: ClusterCast, event: SeatedEvent, seatRows: string[][]) {
  const rand = seededRandom(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const deadline = Date.now() + SALE_MS;
  /** The seats callers heard are gone (their own bookings, SEAT_UNAVAILABLE's details). */
  const gone = new Set<string>();
  const calls: Call[] = [];
  const heard: Heard[] = [];
  const sale = { calls, heard, phase: 'before' as Phase, soldOut: false };

  /** Up to `n` adjacent seats believed free, from a random one in a random row with room. */
  function namedSeats(n: number): string[] | undefined {
    const rows = seatRows.filter((row) => row.some((id) => !gone.has(id)));
    if (rows.length === 0) return undefined;
    const row = pick(rows);
    const seats: string[] = [];
    const start = pick(row.flatMap((id, i) => (gone.has(id) ? [] : [i])));
    for (let i = start; i < row.length && seats.length < n && !gone.has(row[i] ?? ''); i++) {
      seats.push(row[i] as string);
    }
    return seats;
  }

  function nextCall(): Call {
    const base = { key: randomUUID(), user: pick(cast.attendees), answers: [] };
    const r = rand();
    const named = r < 0.3 ? namedSeats(1 + Math.floor(rand() * 3)) : undefined;
    if (named) return { ...base, quantity: named.length, seatIds: named };
    const quantity = 1 + Math.floor(rand() * MAX_PER_BOOKING);
    return { ...base, quantity, ...(r > 0.88 && quantity > 1 && { together: false }) };
  }

  /** One try of the call, under its key, through a random process. */
  async function create(call: Call): Promise<string> {
    const api = pick(cast.apis);
    const sent = { what: 'create', via: api.name, phase: sale.phase } as const;
    const { quantity, seatIds, together } = call;
    const outcome = await outcomeOf(
      clientOf(api, call.user).bookings.create.mutate({
        eventId: event.eventId,
        items: [{ ticketTypeId: event.typeId, quantity, seatIds, together }],
        idempotencyKey: call.key,
      }),
    );
    const answer = outcome.kind === 'answered' ? 'ok' : outcome.code;
    if (outcome.kind === 'answered') {
      const { id, totalCents, currency } = outcome.value;
      call.booking = { id, seatIds: seatIdsOf(outcome.value), totalCents, currency };
      for (const seat of call.booking.seatIds) gone.add(seat);
    } else if (answer === 'SEAT_UNAVAILABLE' && Array.isArray(outcome.details?.seatIds)) {
      for (const seat of outcome.details.seatIds) gone.add(String(seat));
    } else if (answer === 'SOLD_OUT' && outcome.details?.available === 0) sale.soldOut = true;
    call.answers.push(answer);
    heard.push({ ...sent, answer });
    return answer;
  }

  /** The organizer marks the hold paid (its exact total), which confirms it. */
  async function pay(call: Call, booking: NonNullable<Call['booking']>): Promise<string> {
    const sent = { what: 'pay', via: cast.apis[0]?.name ?? '', phase: sale.phase } as const;
    const { id: bookingId, totalCents: amountCents, currency } = booking;
    const outcome = await outcomeOf(
      cast.organizer.payments.markPaid.mutate({
        bookingId,
        amountCents,
        currency,
        method: 'card',
        reference: `seat-${call.key}`,
      }),
    );
    const answer = outcome.kind === 'answered' ? 'ok' : outcome.code;
    if (answer === 'ok') call.paid = true;
    heard.push({ ...sent, answer });
    return answer;
  }

  async function untilDefinite(attempt: () => Promise<string>): Promise<string> {
    let answer = await attempt();
    while (answer === 'SERVICE_UNAVAILABLE' && Date.now() < deadline) {
      await sleep(10 + rand() * 20);
      answer = await attempt();
    }
    return answer;
  }

  async function caller(): Promise<void> {
    while (!sale.soldOut && Date.now() < deadline) {
      const call = nextCall();
      calls.push(call);
      const answer = await untilDefinite(() => create(call));
      const { booking } = call;
      if (answer === 'ok' && booking && rand() < PAID_SHARE) {
        await untilDefinite(() => pay(call, booking));
      }
    }
  }

  return Object.assign(sale, {
    run: () => Promise.all(Array.from({ length: CALLERS }, caller)),
    seatsSold: () => calls.reduce((n, c) => n + (c.booking ? c.quantity : 0), 0),
    /** How many booking tries sent in phase `p` (through `api`) were answered `answer`. */
    count: (answer: string, p: Phase, api?: ApiProcess) =>
      heard
        .filter((h) => h.what === 'create' && h.answer === answer && h.phase === p)
        .filter((h) => !api || h.via === api.name).length,
  });
}

/**
 * Samples, each in one statement (one snapshot), the event's inventory row, its live bookings'
 * seats and its live seat allocations: [taken, booked, allocated].
 */
const watchSeatLedger = (db: Kysely<Database>, eventId: string) =>
  sampleUntilStopped(
    async () => {
      const { rows } = await sql<{ taken: number; booked: string; allocated: string }>`
        SELECT i.confirmed + i.held AS taken,
          (SELECT coalesce(sum(b.quantity), 0) FROM bookings b WHERE b.event_id = i.event_id
            AND b.status IN ('pending', 'confirmed')) AS booked,
          (SELECT count(*) FROM seat_allocations a WHERE a.event_id = i.event_id
            AND a.released_at IS NULL) AS allocated
        FROM event_inventory i WHERE i.event_id = ${eventId}`.execute(db);
      const row = rows[0];
      return row && [row.taken, Number(row.booked), Number(row.allocated)];
    },
    { intervalMs: 20 },
  );

/**
 * The sold-out event in SQL against what callers were told; answers each allocated seat's state
 * (held or sold), for the map.
 */
async function expectSeatsAsTold(db: Kysely<Database>, event: SeatedEvent, calls: Call[]) {
  // No seat in two live allocations (the whole database).
  const { rows: doubled } = await sql`SELECT seat_id FROM seat_allocations
    WHERE released_at IS NULL GROUP BY seat_id HAVING count(*) > 1`.execute(db);
  expect(doubled).toEqual([]);
  // Every allocation is live (no booking ended), of a live booking of the event, and of a seat of
  // the event's one type.
  const { rows: allocations } = await sql<{ seat_id: string; status: string | null }>`
    SELECT a.seat_id, b.status FROM seat_allocations a
      JOIN seats s ON s.id = a.seat_id LEFT JOIN bookings b ON b.id = a.booking_id
    WHERE a.event_id = ${event.eventId} AND a.released_at IS NULL AND s.event_id = a.event_id
      AND s.ticket_type_id = ${event.typeId} AND b.event_id = a.event_id
      AND b.status IN ('pending', 'confirmed')`.execute(db);
  const { rows: all } = await sql<{ n: string }>`SELECT count(*) AS n FROM seat_allocations
    WHERE event_id = ${event.eventId}`.execute(db);
  expect(allocations).toHaveLength(Number(all[0]?.n));
  // Nothing half-written: each booking live, one line of the type, with exactly `quantity`
  // seats of the type.
  type Row = { id: string; user_id: string; quantity: number; status: string; lines: string };
  const { rows: bookings } = await sql<
    Row & { line: number | null; seats: string | null }
  >`SELECT b.id, b.user_id, b.quantity, b.status,
      (SELECT count(*) FROM booking_items i WHERE i.booking_id = b.id) AS lines,
      (SELECT i.quantity FROM booking_items i
        WHERE i.booking_id = b.id AND i.ticket_type_id = ${event.typeId}) AS line,
      (SELECT string_agg(a.seat_id::text, ',') FROM seat_allocations a JOIN seats s
        ON s.id = a.seat_id AND s.ticket_type_id = ${event.typeId}
        WHERE a.booking_id = b.id AND a.released_at IS NULL) AS seats
    FROM bookings b WHERE b.event_id = ${event.eventId}`.execute(db);
  const seatsOf = (b: (typeof bookings)[number]) => b.seats?.split(',') ?? [];
  expect(
    bookings.filter(
      (b) =>
        !['pending', 'confirmed'].includes(b.status) ||
        Number(b.lines) !== 1 ||
        b.line !== b.quantity ||
        seatsOf(b).length !== b.quantity,
    ),
  ).toEqual([]);
  // Sold out exactly: every seat allocated once, and counted once.
  const seatsIn = (status: string) =>
    bookings.filter((b) => b.status === status).reduce((n, b) => n + b.quantity, 0);
  expect(allocations).toHaveLength(SEATS);
  const { rows: inventory } = await sql`SELECT capacity, confirmed, held FROM event_inventory
    WHERE event_id = ${event.eventId}`.execute(db);
  expect(inventory).toEqual([
    { capacity: SEATS, confirmed: seatsIn('confirmed'), held: seatsIn('pending') },
  ]);

  // Each ok is its booking with the seats answered (the ones named, when named), confirmed when
  // its payment was answered ok; each booking was told to its caller (a SERVICE_UNAVAILABLE wrote
  // nothing).
  const byId = new Map(bookings.map((b) => [b.id, b]));
  const told = calls.flatMap((c) => (c.booking ? [{ ...c, booking: c.booking }] : []));
  const wrong = told.filter((c) => {
    const row = byId.get(c.booking.id);
    const held = sorted(row ? seatsOf(row) : []);
    return (
      row?.user_id !== c.user.userId ||
      row.quantity !== c.quantity ||
      row.status !== (c.paid ? 'confirmed' : 'pending') ||
      held !== sorted(c.booking.seatIds) ||
      (c.seatIds !== undefined && held !== sorted(c.seatIds))
    );
  });
  expect(wrong).toEqual([]);
  expect(sorted(told.map((c) => c.booking.id))).toBe(sorted(byId.keys()));
  await expectCountersMatchBookings(db);
  await expectAuditAndOutboxMatchBookings(db);
  return new Map(allocations.map((a) => [a.seat_id, a.status === 'confirmed' ? 'sold' : 'held']));
}

describe.each(MODES)(
  'seats while Redis dies (BOOKING_EVENT_LOCK=$lock), two API processes',
  ({ lock, outage }) => {
    const cast = useApiCluster({
      database: `seating_redis_fault_${lock}`,
      attendees: USERS,
      redis: 'throwaway',
      logLevel: 'error',
      env: { BOOKING_EVENT_LOCK: lock },
    });

    /** Organizer writes answer SERVICE_UNAVAILABLE while a reconnect is under way: retry. */
    const whenAvailable = <T>(call: () => Promise<T>): Promise<T> =>
      vi.waitFor(call, { timeout: 15_000, interval: 200 });

    /** A published, priced event whose one type is sold on a `rows` × `perRow` hall. */
    async function seatedEvent(rows: number, perRow: number): Promise<SeatedEvent> {
      const { organizer } = cast();
      const capacity = rows * perRow;
      const maxPerBooking = Math.min(MAX_PER_BOOKING, capacity);
      const input = eventInput({ capacity, priceCents: 2_500, maxPerBooking });
      const { id } = await whenAvailable(() => organizer.events.create.mutate(input));
      await whenAvailable(() => organizer.events.publish.mutate({ id }));
      const [type] = await whenAvailable(() => organizer.ticketTypes.list.query({ eventId: id }));
      if (!type) throw new Error('the event has no ticket type');
      const plan = arena(rows, perRow, type.id);
      await whenAvailable(() => organizer.seating.setPlan.mutate({ eventId: id, plan }));
      return { eventId: id, typeId: type.id };
    }

    it(`Redis killed mid-sale and back empty (the sale ${outage} meanwhile): no seat sold twice, nothing half-written, the books as told`, async () => {
      const { apis, attendees, db, redisServer: redis } = cast();
      if (!redis) throw new Error('a throwaway redis-server was asked for');
      const started = Date.now();
      const event = await seatedEvent(ROWS, PER_ROW);
      const { eventId } = event;
      const mapVia = (api: ApiProcess) =>
        whenAvailable(() => clientOf(api, attendees[0] as Caller).seating.map.query({ eventId }));
      const hall = await mapVia(apis[0] as ApiProcess);
      expect(hall.seats).toHaveLength(SEATS);
      const rows = new Map<string, string[]>();
      for (const s of hall.seats) rows.set(s.row, [...(rows.get(s.row) ?? []), s.id]);
      const sale = createSeatSale(cast(), event, [...rows.values()]);
      const ledger = watchSeatLedger(db, eventId);
      const callers = sale.run();
      const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 30_000, interval: 5 });

      // Killed while callers are booking (with 12 of them, batches are nearly always in flight).
      await waitFor(() => expect(sale.seatsSold()).toBeGreaterThanOrEqual(SOLD_BEFORE_KILL));
      sale.phase = 'outage';
      const killedAt = Date.now();
      await redis.kill();
      const soldAtKill = sale.seatsSold();
      // Under the lock each process answers SERVICE_UNAVAILABLE; without it the sale goes on.
      await waitFor(() => {
        if (outage === 'sells') expect(sale.count('ok', 'outage')).toBeGreaterThanOrEqual(5);
        for (const api of outage === 'refuses' ? apis : []) {
          expect(sale.count('SERVICE_UNAVAILABLE', 'outage', api)).toBeGreaterThanOrEqual(5);
        }
      });
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - killedAt)));
      const outageMs = Date.now() - killedAt;
      const soldInOutage = sale.seatsSold() - soldAtKill;
      sale.phase = 'after';
      await redis.restart();
      await callers;
      const samples = await ledger.stop();
      const { calls, heard } = sale;

      // Every answer one of those allowed; every call and payment ended with a definite one.
      expect(heard.filter((h) => !ANSWERS[h.what].includes(h.answer))).toEqual([]);
      expect(calls.filter((c) => c.answers.at(-1) === 'SERVICE_UNAVAILABLE')).toEqual([]);
      expect(sale.soldOut).toBe(true);
      // Under the lock nothing sells without Redis: the sale was finished after the restart.
      if (outage === 'refuses') expect(sale.count('ok', 'after')).toBeGreaterThan(0);
      // At every instant: the inventory row = the live bookings' seats = the live allocations.
      expect(samples.length).toBeGreaterThan(0);
      expect(samples.filter(([t, b, a]) => t !== b || b !== a || (a ?? 0) > SEATS)).toEqual([]);
      const stateOf = await expectSeatsAsTold(db, event, calls);
      // The map through each process: no allocated seat shown free, each in its booking's state.
      for (const api of apis) {
        const { seats } = await mapVia(api);
        expect(seats.filter((s) => s.state !== (stateOf.get(s.id) ?? 'available'))).toEqual([]);
      }

      // Both processes are ready again with Redis back, and both sell seats again.
      const probe = await seatedEvent(1, 4);
      for (const [i, api] of apis.entries()) {
        const ready = async () => (await fetch(`${api.url}/health/ready`)).status;
        await expect.poll(ready, { timeout: 15_000 }).toBe(200);
        const seatOne = async () => {
          const outcome = await outcomeOf(
            clientOf(api, attendees[i] as Caller).bookings.create.mutate({
              eventId: probe.eventId,
              items: [{ ticketTypeId: probe.typeId, quantity: 1 }],
            }),
          );
          return outcome.kind === 'answered' ? seatIdsOf(outcome.value).length : outcome.code;
        };
        await expect.poll(seatOne, { timeout: 15_000 }).toBe(1);
      }

      const answers: Record<string, number> = {};
      for (const { what, phase, answer } of heard) {
        answers[`${what} ${phase} ${answer}`] = (answers[`${what} ${phase} ${answer}`] ?? 0) + 1;
      }
      const booked = calls.filter((c) => c.booking);
      console.info(
        `seating redis fault, lock ${lock} (seed ${SEED}): ${calls.length} calls, ` +
          `${booked.length} bookings (${booked.filter((c) => c.seatIds).length} of named seats, ` +
          `${booked.filter((c) => c.paid).length} paid); ${soldAtKill} seats sold at the kill, ` +
          `${soldInOutage} more during the ${outageMs} ms outage; ${samples.length} ledger samples; ` +
          `${Date.now() - started} ms; answers (by the phase sent in): ${JSON.stringify(answers)}`,
      );
    }, 90_000);
  },
);
