import type { Booking } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type EventlyClient, TRPCClientError } from '@evently/sdk';
import { type Kysely, sql } from 'kysely';
import { seededRandom } from './booking-mix.js';

// A flash sale of reserved seats as real buyers make it: each caller loops over parties of one
// to `maxGroup`, most asking to sit together; told SEATS_NOT_TOGETHER, a party either shrinks by
// one or takes split seats (`together: false`), as a client would; told SOLD_OUT with seats still
// left (fewer than it asked), it tries another party; told SOLD_OUT with none left, it stops.
// Then what the database holds is checked against the seating rules, in SQL.

/** What a party asks for. */
export interface GroupAsk {
  quantity: number;
  together: boolean;
}

/** One `bookings.create` of the sale and what it came to. */
export interface SeatedCall extends GroupAsk {
  caller: number;
  /** The index of the API process (of the caller's clients) that answered. */
  via: number;
  /** `booked`, the refusal's appCode, or `no answer (…)`. */
  answer: string;
  /** SOLD_OUT's `details.available`. */
  available?: number;
  booking?: Booking;
}

/** The answers a seated sale expects; any other stops its caller (and fails the sale's check). */
export const SEATED_ANSWERS = new Set(['booked', 'SEATS_NOT_TOGETHER', 'SOLD_OUT']);

function refusalOf(error: unknown): { answer: string; available?: number } {
  if (!(error instanceof TRPCClientError)) {
    return { answer: `no answer (${error instanceof Error ? error.message : String(error)})` };
  }
  const data = error.data as
    | { appCode?: string; details?: { available?: unknown } | undefined }
    | undefined;
  const available = data?.details?.available;
  return {
    answer: data?.appCode ?? `no answer (${error.message})`,
    ...(typeof available === 'number' && { available }),
  };
}

/**
 * Every caller (one client per API process, a process picked at random for each call) books
 * best-available groups of `ticketTypeId` until told it is sold out with no seat left. Resolves
 * every call made, in the order answered.
 */
export async function runSeatedSale(options: {
  eventId: string;
  ticketTypeId: string;
  callers: readonly (readonly EventlyClient[])[];
  seed: number;
  maxGroup: number;
  /** The share of parties that ask to sit together. */
  togetherShare: number;
  /** A caller still buying after this many calls stops (a stuck sale fails, not hangs). */
  maxCallsPerCaller: number;
}): Promise<SeatedCall[]> {
  const calls: SeatedCall[] = [];
  await Promise.all(
    options.callers.map(async (clients, caller) => {
      const rand = seededRandom(options.seed * 7_919 + caller);
      const book = async (ask: GroupAsk): Promise<SeatedCall> => {
        const via = Math.floor(rand() * clients.length);
        const client = clients[via] as EventlyClient;
        let call: SeatedCall;
        try {
          const booking = await client.bookings.create.mutate({
            eventId: options.eventId,
            items: [{ ticketTypeId: options.ticketTypeId, ...ask }],
          });
          call = { caller, via, ...ask, answer: 'booked', booking };
        } catch (error) {
          call = { caller, via, ...ask, ...refusalOf(error) };
        }
        calls.push(call);
        return call;
      };
      const party = (): GroupAsk => ({
        quantity: 1 + Math.floor(rand() * options.maxGroup),
        together: rand() < options.togetherShare,
      });
      let ask = party();
      for (let made = 0; made < options.maxCallsPerCaller; made++) {
        const call = await book(ask);
        if (call.answer === 'booked' || (call.answer === 'SOLD_OUT' && call.available !== 0)) {
          ask = party();
        } else if (call.answer === 'SEATS_NOT_TOGETHER' && ask.together) {
          ask =
            ask.quantity > 1 && rand() < 0.5
              ? { quantity: ask.quantity - 1, together: true }
              : { quantity: ask.quantity, together: false };
        } else {
          // Sold out with no seat left: done. Anything else: the check reports it.
          return;
        }
      }
      calls.push({
        caller,
        via: -1,
        quantity: 0,
        together: false,
        answer: 'still buying at its last call',
      });
    }),
  );
  return calls;
}

/** What the database holds for a seated event after its sale. */
export interface SeatedHall {
  /** Seats that may be sold (not blocked, not removed) and are in no live allocation. */
  free: number;
  /** Seats in two or more live allocations (the unique index says none can be). */
  doubleSold: string[];
  /** Live bookings whose live allocations are not exactly their quantity. */
  miscounted: string[];
  /** Of the bookings given, those whose seats are not one row's consecutive seats. */
  apart: string[];
  liveAllocations: number;
  /** `event_inventory`'s confirmed and held. */
  inventory: { confirmed: number; held: number };
  /** The event's bookings: id, status, quantity. */
  bookings: { id: string; status: string; quantity: number }[];
  /** Live allocations by booking, seat ids sorted. */
  seatsOf: Map<string, string[]>;
}

/** Reads `eventId`'s seats and bookings; `together` names the bookings that must sit together. */
export async function readSeatedHall(
  db: Kysely<Database>,
  eventId: string,
  together: readonly string[],
): Promise<SeatedHall> {
  const { rows: doubled } = await sql<{ seat_id: string }>`
    SELECT seat_id FROM seat_allocations WHERE event_id = ${eventId} AND released_at IS NULL
    GROUP BY seat_id HAVING count(*) > 1`.execute(db);
  const { rows: miscounted } = await sql<{ id: string }>`
    SELECT b.id FROM bookings b
    LEFT JOIN seat_allocations a ON a.booking_id = b.id AND a.released_at IS NULL
    WHERE b.event_id = ${eventId} AND b.status IN ('pending', 'confirmed')
    GROUP BY b.id, b.quantity HAVING count(a.id) <> b.quantity`.execute(db);
  // One row, and no seat of that row between its first and last seat that is not its own.
  const { rows: apart } = await sql<{ booking_id: string }>`
    WITH sold AS (
      SELECT a.booking_id, count(*) AS n, count(DISTINCT (s.section_key, s.row_key)) AS rows,
        min(s.section_key) AS section_key, min(s.row_key) AS row_key,
        min(s.position) AS lo, max(s.position) AS hi
      FROM seat_allocations a JOIN seats s ON s.id = a.seat_id
      WHERE a.event_id = ${eventId} AND a.released_at IS NULL
        AND a.booking_id = ANY(${[...together]}::uuid[])
      GROUP BY a.booking_id)
    SELECT sold.booking_id FROM sold
    WHERE sold.rows <> 1 OR sold.n <> (
      SELECT count(*) FROM seats r
      WHERE r.event_id = ${eventId} AND r.section_key = sold.section_key
        AND r.row_key = sold.row_key AND r.position BETWEEN sold.lo AND sold.hi
        AND r.removed_at IS NULL)`.execute(db);
  const { rows: free } = await sql<{ n: string }>`
    SELECT count(*) AS n FROM seats s
    WHERE s.event_id = ${eventId} AND s.blocked_at IS NULL AND s.removed_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM seat_allocations a
        WHERE a.seat_id = s.id AND a.released_at IS NULL)`.execute(db);
  const allocations = await db
    .selectFrom('seat_allocations')
    .select(['seat_id', 'booking_id'])
    .where('event_id', '=', eventId)
    .where('released_at', 'is', null)
    .execute();
  const seatsOf = new Map<string, string[]>();
  for (const a of allocations)
    seatsOf.set(a.booking_id, [...(seatsOf.get(a.booking_id) ?? []), a.seat_id]);
  for (const seats of seatsOf.values()) seats.sort();
  const inventory = await db
    .selectFrom('event_inventory')
    .select(['confirmed', 'held'])
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  const bookings = await db
    .selectFrom('bookings')
    .select(['id', 'status', 'quantity'])
    .where('event_id', '=', eventId)
    .execute();
  return {
    free: Number(free[0]?.n ?? Number.NaN),
    doubleSold: doubled.map((r) => r.seat_id),
    miscounted: miscounted.map((r) => r.id),
    apart: apart.map((r) => r.booking_id),
    liveAllocations: allocations.length,
    inventory,
    bookings,
    seatsOf,
  };
}
