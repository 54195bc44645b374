import { randomUUID } from 'node:crypto';
import type { SeatingPlanInput } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';

// Seating plans for the tests, and seats held or sold written straight into the tables (until
// bookings take seats themselves).

type PlanSeat = SeatingPlanInput['sections'][number]['rows'][number]['seats'][number];

/** A row `key` of `count` seats of `ticketTypeId`, numbered from 1, a unit apart, at `y`. */
export function row(
  key: string,
  count: number,
  ticketTypeId: string,
  y = 0,
  patch: (seat: PlanSeat, n: number) => Partial<PlanSeat> = () => ({}),
) {
  const seats = Array.from({ length: count }, (_, i) => {
    const seat: PlanSeat = { key: String(i + 1), label: String(i + 1), ticketTypeId, x: i, y };
    return { ...seat, ...patch(seat, i + 1) };
  });
  return { key, label: `Row ${key}`, seats };
}

/** A plan of one section per entry: `{ key: rows }`, named after its key. */
export function plan(
  sections: Record<string, ReturnType<typeof row>[]>,
  focus?: { x: number; y: number },
): SeatingPlanInput {
  return {
    ...(focus && { focus }),
    sections: Object.entries(sections).map(([key, rows]) => ({
      key,
      name: `Section ${key}`,
      rows,
    })),
  };
}

/** A hall of `rows` × `perRow` seats of one type, one section (a 100,000-seat arena and less). */
export function arena(rows: number, perRow: number, ticketTypeId: string): SeatingPlanInput {
  return plan(
    { arena: Array.from({ length: rows }, (_, r) => row(`R${r + 1}`, perRow, ticketTypeId, r)) },
    { x: perRow / 2, y: -3 },
  );
}

/**
 * A booking of `userId` holding (pending) or having bought (confirmed) these seats, written in
 * SQL as the allocator will write it: the booking, and a live allocation per seat.
 */
export async function allocate(
  db: Kysely<Database>,
  options: {
    eventId: string;
    userId: string;
    seatIds: string[];
    status: 'pending' | 'confirmed';
  },
): Promise<string> {
  const bookingId = randomUUID();
  const now = new Date();
  await db
    .insertInto('bookings')
    .values({
      id: bookingId,
      event_id: options.eventId,
      user_id: options.userId,
      quantity: options.seatIds.length,
      status: options.status,
      unit_price_cents: 0,
      total_cents: 0,
      currency: 'EUR',
      expires_at: options.status === 'pending' ? new Date(now.getTime() + 600_000) : null,
      confirmed_at: options.status === 'confirmed' ? now : null,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('seat_allocations')
    .values(
      options.seatIds.map((seatId) => ({
        seat_id: seatId,
        booking_id: bookingId,
        event_id: options.eventId,
        allocated_at: now,
      })),
    )
    .execute();
  return bookingId;
}

/** Releases a booking's seats (as its cancellation or expiry will). */
export async function release(db: Kysely<Database>, bookingId: string): Promise<void> {
  await db
    .updateTable('seat_allocations')
    .set({ released_at: new Date() })
    .where('booking_id', '=', bookingId)
    .where('released_at', 'is', null)
    .execute();
  await db
    .updateTable('bookings')
    .set({ status: 'cancelled', cancelled_at: new Date(), updated_at: new Date() })
    .where('id', '=', bookingId)
    .execute();
}
