import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { CreatedAt, Timestamp } from './column-types.js';

// The tables of reserved seating (migration 2026-12-06-010-seating): an event's plan, its seats,
// and which booking holds each seat — the partial unique index on live allocations refuses a
// seat in two live bookings whatever the locks above it do.

/** The plan's sections and rows as drawn (keys, names, labels, in order); seats are rows of `seats`. */
export interface PlanSectionsJson {
  key: string;
  name: string;
  rows: { key: string; label: string }[];
}

/** One per event with a plan. */
export interface SeatingPlansTable {
  event_id: string;
  /** Moves with every change of the plan (1 for the first). */
  version: Generated<number>;
  /**
   * Moves with every change of which seats may be sold: the plan, a block or unblock (the
   * allocator's seat index is rebuilt when it moves). Seats taken by bookings do not move it.
   */
  seats_version: Generated<number>;
  /** Where the best seats look (the stage). */
  focus_x: number;
  focus_y: number;
  sections: JSONColumnType<PlanSectionsJson[], string, string>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/**
 * A seat of an event, identified from one plan to the next by (section_key, row_key, seat_key).
 * A seat a plan drops is deleted, unless a booking ever held it: then it is only marked
 * `removed_at` (its bookings still name it), and comes back with its id if a plan brings its
 * keys back.
 */
export interface SeatsTable {
  id: Generated<string>;
  event_id: string;
  section_key: string;
  row_key: string;
  seat_key: string;
  label: string;
  row_label: string;
  section_name: string;
  ticket_type_id: string;
  x: number;
  y: number;
  accessible: Generated<boolean>;
  /** Order in its row. */
  position: number;
  blocked_at: Timestamp | null;
  block_reason: string | null;
  /** The event's inventory version of its last block or unblock (migration 011). */
  state_version: Generated<number>;
  removed_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** A seat held or sold with a booking; live until `released_at`. */
export interface SeatAllocationsTable {
  id: Generated<string>;
  seat_id: string;
  booking_id: string;
  event_id: string;
  allocated_at: Timestamp;
  released_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The event's inventory version of its last change: made, confirmed, released (migration 011). */
  version: Generated<number>;
}

/** The seating tables, as part of `Database`. */
export interface SeatingTables {
  seating_plans: SeatingPlansTable;
  seats: SeatsTable;
  seat_allocations: SeatAllocationsTable;
}
