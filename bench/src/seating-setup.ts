import type { EventlyClient, SeatingPlanInput } from '@evently/sdk';

/** Seats a row of the bench's arenas, and rows a section (a section is 1,000 seats). */
export const ARENA_ROW = 40;
const SECTION_ROWS = 25;
/** The space between two sections, in seat widths: an aisle, so no group sits across it. */
const SECTION_GAP = 3;

/** A seated event of the bench: its one ticket type is sold on the arena. */
export interface Arena {
  eventId: string;
  ticketTypeId: string;
  seats: number;
}

/** How an arena of `seats` is laid out: rows of ARENA_ROW, sections of up to SECTION_ROWS rows. */
export function arenaShape(seats: number): { rows: number; sections: number } {
  if (!Number.isInteger(seats / ARENA_ROW) || seats <= 0) {
    throw new Error(`BENCH_SEATING_SEATS=${seats}: a whole number of rows of ${ARENA_ROW} seats`);
  }
  const rows = seats / ARENA_ROW;
  return { rows, sections: Math.ceil(rows / SECTION_ROWS) };
}

/**
 * An arena of `seats`: sections of 25 rows of 40 side by side (an aisle between them), rows a
 * unit apart from the front, the focus in front of the middle.
 */
export function arenaPlan(seats: number, ticketTypeId: string): SeatingPlanInput {
  const { rows, sections } = arenaShape(seats);
  const width = ARENA_ROW + SECTION_GAP;
  return {
    focus: { x: (sections * width - SECTION_GAP) / 2, y: -3 },
    sections: Array.from({ length: sections }, (_, s) => ({
      key: `S${s + 1}`,
      name: `Section ${s + 1}`,
      rows: Array.from({ length: Math.min(SECTION_ROWS, rows - s * SECTION_ROWS) }, (_, r) => ({
        key: `R${r + 1}`,
        label: `Row ${r + 1}`,
        seats: Array.from({ length: ARENA_ROW }, (_, i) => ({
          key: `${i + 1}`,
          label: `${i + 1}`,
          ticketTypeId,
          x: s * width + i,
          y: r,
        })),
      })),
    })),
  };
}

/**
 * A free published event of capacity `seats` (a free booking confirms at once, so no hold expires
 * mid-run) whose one type, up to `maxPerBooking` a booking, is sold on an arena of `seats` when
 * `seated` (raw SQL's events have no plan: their seats are its own table's).
 */
export async function publishArena(
  organizer: EventlyClient,
  options: { title: string; seats: number; maxPerBooking: number; seated: boolean },
): Promise<Arena> {
  const startsAt = new Date(Date.now() + 30 * 86_400_000);
  const event = await organizer.events.create.mutate({
    title: options.title,
    venue: 'Bench arena',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
    capacity: options.seats,
    priceCents: 0,
    currency: 'EUR',
    maxPerBooking: options.maxPerBooking,
  });
  await organizer.events.publish.mutate({ id: event.id });
  const [type] = await organizer.ticketTypes.list.query({ eventId: event.id });
  if (!type) throw new Error(`event ${event.id} has no ticket type`);
  if (options.seated) {
    await organizer.seating.setPlan.mutate({
      eventId: event.id,
      plan: arenaPlan(options.seats, type.id),
    });
  }
  return { eventId: event.id, ticketTypeId: type.id, seats: options.seats };
}
