import { z } from 'zod';
import { idSchema, textSchema } from './primitives.js';

// Reserved seating (API.md Part 2, "seating (reserved seats)"): an event's seating plan —
// sections of rows of seats, each seat sold as one of the event's ticket types — and its map,
// every seat with its state, for a client to draw.

/** At most this many seats in one plan. */
export const MAX_PLAN_SEATS = 100_000;
/**
 * The largest `seating.setPlan` request body the API reads (every other call: 1 MiB). A plan of
 * 100,000 seats with short keys and labels is about 11 MB of JSON; this leaves room for long ones.
 */
export const SEATING_PLAN_MAX_BYTES = 32 * 1024 * 1024;
/** At most this many seats blocked or unblocked by one call. */
export const MAX_SEATS_PER_BLOCK = 10_000;
/** Coordinates are plain numbers within ±this (any unit: the client draws them). */
export const MAX_COORDINATE = 1_000_000;

/**
 * A section's, row's or seat's key: what identifies it within its parent, from one plan to the
 * next (a seat is its section's, row's and own key). Letters, digits, `.`, `_`, `-`.
 */
export const seatingKeySchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/,
    'must be 1 to 32 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

const coordinateSchema = z.number().min(-MAX_COORDINATE).max(MAX_COORDINATE);
export const pointSchema = z.object({ x: coordinateSchema, y: coordinateSchema });
export type Point = z.infer<typeof pointSchema>;

export const planSeatSchema = z.object({
  key: seatingKeySchema,
  /** What the seat is called on the map, mails and tickets ("12"). */
  label: textSchema({ min: 1, max: 32 }),
  /** Sold as this ticket type of the event. */
  ticketTypeId: idSchema,
  x: coordinateSchema,
  y: coordinateSchema,
  accessible: z.boolean().default(false),
});

export const planRowSchema = z.object({
  key: seatingKeySchema,
  label: textSchema({ max: 32 }),
  /** In the row's order (adjacency follows it, and the coordinates' gaps: aisles). */
  seats: z.array(planSeatSchema).min(1).max(1_000),
});

export const planSectionSchema = z.object({
  key: seatingKeySchema,
  name: textSchema({ min: 1, max: 120 }),
  rows: z.array(planRowSchema).min(1).max(1_000),
});

/** Issues for keys given twice among `items` (under `path`). */
function duplicateKeys(
  items: readonly { key: string }[],
  path: (string | number)[],
  what: string,
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    if (seen.has(item.key)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, i, 'key'],
        message: `${what} key "${item.key}" is given twice`,
      });
    }
    seen.add(item.key);
  }
}

/**
 * A whole seating plan. `focus` is where the best seats look (the stage); without one, the
 * middle of the front edge of the seats (least `y`). Keys are unique within their parent.
 */
export const seatingPlanInputSchema = z
  .object({
    focus: pointSchema.optional(),
    sections: z.array(planSectionSchema).max(1_000),
  })
  .superRefine((plan, ctx) => {
    duplicateKeys(plan.sections, ['sections'], 'section', ctx);
    let seats = 0;
    for (const [s, section] of plan.sections.entries()) {
      duplicateKeys(section.rows, ['sections', s, 'rows'], 'row', ctx);
      for (const [r, row] of section.rows.entries()) {
        duplicateKeys(row.seats, ['sections', s, 'rows', r, 'seats'], 'seat', ctx);
        seats += row.seats.length;
      }
    }
    if (seats > MAX_PLAN_SEATS) {
      ctx.addIssue({
        code: 'custom',
        path: ['sections'],
        message: `a plan has at most ${MAX_PLAN_SEATS} seats (this one has ${seats})`,
      });
    }
  });
export type SeatingPlanInput = z.input<typeof seatingPlanInputSchema>;
export type SeatingPlanFields = z.output<typeof seatingPlanInputSchema>;

/**
 * Replaces the event's plan. `expectedVersion`: the plan's version as read (0: no plan yet), else
 * VERSION_CONFLICT. Seats keep their ids while their keys stay; seats held or sold must stay,
 * of the same ticket type.
 */
export const setSeatingPlanInputSchema = z.object({
  eventId: idSchema,
  expectedVersion: z.int().min(0).optional(),
  plan: seatingPlanInputSchema,
});
export type SetSeatingPlanInput = z.input<typeof setSeatingPlanInputSchema>;

/** The plan as stored, with its seats counted. */
export const seatingPlanSchema = z.object({
  eventId: idSchema,
  /** Moves with every change of the plan (1 for the first; blocking seats does not move it). */
  version: z.int(),
  focus: pointSchema,
  sections: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      seats: z.int(),
      rows: z.array(z.object({ key: z.string(), label: z.string(), seats: z.int() })),
    }),
  ),
  seats: z.int(),
});
export type SeatingPlan = z.infer<typeof seatingPlanSchema>;

export const seatingMapInputSchema = z.object({ eventId: idSchema });

export const seatStates = ['available', 'held', 'sold', 'blocked'] as const;
export const seatStateSchema = z.enum(seatStates);
export type SeatState = z.infer<typeof seatStateSchema>;

export const mapSeatSchema = z.object({
  id: idSchema,
  /** Its section's key. */
  section: z.string(),
  /** Its row's key (within the section). */
  row: z.string(),
  label: z.string(),
  ticketTypeId: idSchema,
  x: z.number(),
  y: z.number(),
  accessible: z.boolean(),
  /** held: in a pending booking; sold: in a confirmed one; blocked: kept off sale by a manager. */
  state: seatStateSchema,
});
export type MapSeat = z.infer<typeof mapSeatSchema>;

/**
 * The event's seats and their states now, in plan order (section, row, seat). An event without a
 * plan answers version 0 and no seats.
 */
export const seatingMapSchema = z.object({
  version: z.int(),
  focus: pointSchema,
  sections: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      rows: z.array(z.object({ key: z.string(), label: z.string() })),
    }),
  ),
  seats: z.array(mapSeatSchema),
});
export type SeatingMap = z.infer<typeof seatingMapSchema>;

/**
 * `seating.live`: `lastEventId` is the id of the last message a client received (SSE's
 * Last-Event-ID), to resume after it.
 */
export const seatingLiveInputSchema = z.object({
  eventId: idSchema,
  lastEventId: z
    .string()
    .regex(/^\d{1,9}\.\d{1,9}$/)
    .nullish(),
});
export type SeatingLiveInput = z.input<typeof seatingLiveInputSchema>;

/** These seats are in `state` now (each message names one state). */
export const seatChangeSchema = z.object({
  seatIds: z.array(idSchema),
  state: seatStateSchema,
});
export type SeatChange = z.infer<typeof seatChangeSchema>;

/**
 * Read the map (again): the first message of every stream that does not resume (the stream is
 * listening from then on, so a map read after it misses nothing), and after the plan was edited
 * or replaced or the stream fell too far behind. `planVersion` is the plan's version now.
 */
export const planChangeSchema = z.object({ planVersion: z.int() });
export type PlanChange = z.infer<typeof planChangeSchema>;

/**
 * A message of `seating.live`. Seat messages carry absolute states, not deltas: a client reads
 * the map whenever a `{ planVersion }` message arrives — the first one included — and applies
 * every seat message in order; one applied twice changes nothing.
 */
export const seatingLiveMessageSchema = z.union([seatChangeSchema, planChangeSchema]);
export type SeatingLiveMessage = z.infer<typeof seatingLiveMessageSchema>;

/** Seats of the event, each once. */
export const blockSeatsInputSchema = z.object({
  eventId: idSchema,
  seatIds: z
    .array(idSchema)
    .min(1)
    .max(MAX_SEATS_PER_BLOCK)
    .refine((ids) => new Set(ids).size === ids.length, 'each seat may appear once'),
  reason: textSchema({ max: 500 }).optional(),
});
export type BlockSeatsInput = z.input<typeof blockSeatsInputSchema>;

/** How many seats the call changed (already blocked, or already free, ones are not counted). */
export const blockedSeatsSchema = z.object({ blocked: z.int() });
export type BlockedSeats = z.infer<typeof blockedSeatsSchema>;
