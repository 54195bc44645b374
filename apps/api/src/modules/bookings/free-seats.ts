import { type Expression, type RawBuilder, sql } from 'kysely';

/**
 * Free seats of each ticket type that has seats in the event's plan — neither held, sold nor
 * blocked — as one JSON column (`{ typeId: n }`, null without a plan) of a caller's query:
 * `bookings.availability`, the waitlist's join and `ticketTypes.list` cap a seated type's
 * availability by it. `eventId` may be a column of the caller's query.
 */
export function freeSeatsColumn(
  eventId: Expression<string> | string,
): RawBuilder<Record<string, number> | null> {
  return sql<Record<string, number> | null>`(SELECT json_object_agg(f.ticket_type_id, f.free)
    FROM (SELECT s.ticket_type_id,
        count(*) FILTER (WHERE s.blocked_at IS NULL AND NOT EXISTS (SELECT 1
          FROM seat_allocations l WHERE l.seat_id = s.id AND l.released_at IS NULL))::int AS free
      FROM seats s JOIN seating_plans p ON p.event_id = s.event_id AND p.version > 0
      WHERE s.event_id = ${eventId} AND s.removed_at IS NULL
      GROUP BY s.ticket_type_id) f)`;
}

/** A type's availability capped by its free seats (a type without seats in the plan: as counted). */
export function cappedBySeats(
  counted: number,
  freeSeats: Readonly<Record<string, number>> | null | undefined,
  ticketTypeId: string,
): number {
  const seats = freeSeats?.[ticketTypeId];
  return seats === undefined ? counted : Math.min(counted, seats);
}
