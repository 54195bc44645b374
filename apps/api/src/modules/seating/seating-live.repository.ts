import type { SeatState } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';

/** Where an event's seats stand, and which changed since a version (see `liveChanges`). */
export interface SeatVersions {
  /** The plan's version (0: no plan); an edit or a replacement moves it. */
  planVersion: number;
  /** The event's inventory version: every seat change moves it (0: a draft). */
  inventoryVersion: number;
  /** The seats changed since the version asked for, each with its state now; null if not asked. */
  changes: Array<{ id: string; state: SeatState }> | null;
}

/** `seating.live`'s SQL: seat changes by the inventory version they were recorded at. */
export const seatingLiveRepository = {
  /**
   * The event's seat versions now and, when the inventory moved past `since`, the states of the
   * seats that changed from that version on (inclusive: a change is recorded at the version its
   * transaction moved the row to, and a state sent twice is harmless) — one statement, so the
   * states are those of the versions answered. Undefined for no event.
   */
  async liveChanges(
    db: Kysely<Database>,
    eventId: string,
    since: number | null,
  ): Promise<SeatVersions | undefined> {
    const { rows } = await sql<{
      plan_version: number;
      inventory_version: number;
      changes: Array<{ id: string; state: SeatState }> | null;
    }>`
      SELECT coalesce(p.version, 0) AS plan_version, coalesce(i.version, 0) AS inventory_version,
        CASE WHEN ${since}::int IS NOT NULL AND i.version > ${since}::int THEN (
          SELECT coalesce(json_agg(json_build_object('id', s.id, 'state',
            CASE WHEN b.status = 'confirmed' THEN 'sold'
              WHEN a.seat_id IS NOT NULL THEN 'held'
              WHEN s.blocked_at IS NOT NULL THEN 'blocked'
              ELSE 'available' END)), '[]'::json)
          FROM seats s
          LEFT JOIN seat_allocations a ON a.seat_id = s.id AND a.released_at IS NULL
          LEFT JOIN bookings b ON b.id = a.booking_id
          WHERE s.event_id = e.id AND s.removed_at IS NULL
            AND (s.state_version >= ${since}::int OR s.id IN (SELECT c.seat_id
              FROM seat_allocations c WHERE c.event_id = e.id AND c.version >= ${since}::int)))
        END AS changes
      FROM events e
      LEFT JOIN seating_plans p ON p.event_id = e.id AND p.version > 0
      LEFT JOIN event_inventory i ON i.event_id = e.id
      WHERE e.id = ${eventId}`.execute(db);
    const [row] = rows;
    return (
      row && {
        planVersion: row.plan_version,
        inventoryVersion: row.inventory_version,
        changes: row.changes,
      }
    );
  },
};
