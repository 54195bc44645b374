import type { MapSeat, SeatingMap, SeatState } from '@evently/sdk';
import type { StateCounts } from './seat-legend.js';

/** A row of the map with its seats, in plan order. */
export interface RowSeats {
  key: string;
  label: string;
  seats: MapSeat[];
}

/** A section of the map with its rows. */
export interface SectionSeats {
  key: string;
  name: string;
  rows: RowSeats[];
  seats: number;
}

/** A row as people say it: its label ("Row A" stays, "A" becomes "Row A"). */
export function rowName(row: { label: string }): string {
  return /^row\b/i.test(row.label) ? row.label : `Row ${row.label}`;
}

/** The map's sections and rows, each with its seats (sections and rows without any left out). */
export function sectionsOf(map: SeatingMap, seats: MapSeat[]): SectionSeats[] {
  const byRow = new Map<string, MapSeat[]>();
  for (const seat of seats) {
    const key = `${seat.section}\u0000${seat.row}`;
    const row = byRow.get(key);
    if (row) row.push(seat);
    else byRow.set(key, [seat]);
  }
  return map.sections
    .map((section) => {
      const rows = section.rows
        .map((row) => ({
          key: row.key,
          label: row.label || row.key,
          seats: byRow.get(`${section.key}\u0000${row.key}`) ?? [],
        }))
        .filter((row) => row.seats.length > 0);
      const count = rows.reduce((sum, row) => sum + row.seats.length, 0);
      return { key: section.key, name: section.name, rows, seats: count };
    })
    .filter((section) => section.seats > 0);
}

/** How many of `seats` are in each state. */
export function countStates(seats: readonly { state: SeatState }[]): StateCounts {
  const counts: StateCounts = { available: 0, held: 0, sold: 0, blocked: 0 };
  for (const seat of seats) counts[seat.state] += 1;
  return counts;
}

/**
 * The distance between neighbouring seats in this section's coordinates: the least gap between
 * consecutive seats of a row (or between rows), so the drawing scales whatever unit the plan uses.
 */
export function seatPitch(section: SectionSeats): number {
  let pitch = Number.POSITIVE_INFINITY;
  for (const row of section.rows) {
    for (let i = 1; i < row.seats.length; i += 1) {
      const [a, b] = [row.seats[i - 1], row.seats[i]];
      if (!a || !b) continue;
      const gap = Math.hypot(b.x - a.x, b.y - a.y);
      if (gap > 0) pitch = Math.min(pitch, gap);
    }
  }
  if (Number.isFinite(pitch)) return pitch;
  const ys = [...new Set(section.rows.flatMap((row) => row.seats.map((s) => s.y)))].sort(
    (a, b) => a - b,
  );
  for (let i = 1; i < ys.length; i += 1) pitch = Math.min(pitch, (ys[i] ?? 0) - (ys[i - 1] ?? 0));
  return Number.isFinite(pitch) && pitch > 0 ? pitch : 1;
}
