import type { Booking } from '@evently/contracts';
import { eventInput } from './event-input.js';
import type { SignedUp, TestApp } from './harness.js';
import { plan, row } from './seating.fixtures.js';

/** Options of a seated event: its capacity (100), price (2500: holds stay pending) and focus. */
export interface SeatedEventOptions {
  capacity?: number;
  priceCents?: number;
  focus?: { x: number; y: number };
}

/**
 * A published event of `organizer` whose one ticket type is sold on `rows` (keys A, B…, of
 * that many seats each, labelled 1…n, a unit apart), with its seats by name: 'A3' is row A's
 * seat 3.
 */
export async function seatedEvent(
  app: TestApp,
  organizer: SignedUp,
  rows: number[],
  options: SeatedEventOptions = {},
) {
  const draft = await organizer.client.events.create.mutate(
    eventInput({
      capacity: options.capacity ?? 100,
      priceCents: options.priceCents ?? 2500,
      maxPerBooking: Math.min(10, options.capacity ?? 100),
    }),
  );
  const event = await organizer.client.events.publish.mutate({ id: draft.id });
  const [type] = await organizer.client.ticketTypes.list.query({ eventId: event.id });
  const typeId = type?.id ?? '';
  await organizer.client.seating.setPlan.mutate({
    eventId: event.id,
    plan: plan(
      { main: rows.map((n, r) => row(String.fromCharCode(65 + r), n, typeId, r)) },
      options.focus ?? { x: 0, y: -3 },
    ),
  });
  const map = await app.client().seating.map.query({ eventId: event.id });
  const byName = new Map(map.seats.map((s) => [`${s.row}${s.label}`, s.id]));
  const name = new Map(map.seats.map((s) => [s.id, `${s.row}${s.label}`]));
  return {
    event,
    typeId,
    /** Seat ids by name. */
    ids: (...names: string[]) => names.map((n) => byName.get(n) ?? `missing ${n}`),
    /** Seat names of ids, sorted. */
    names: (seatIds: readonly string[]) => seatIds.map((id) => name.get(id) ?? id).sort(),
  };
}

export type SeatedEvent = Awaited<ReturnType<typeof seatedEvent>>;

/** The seat ids a booking names, over its lines. */
export const seatIdsOf = (booking: Booking) =>
  booking.items.flatMap((i) => (i.seats ?? []).map((s) => s.seatId));
