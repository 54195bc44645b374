import type {
  MapSeat,
  Point,
  SeatingMap,
  SeatingPlan,
  SeatingPlanFields,
} from '@evently/contracts';
import type { PlanSectionsJson } from '@evently/db';
import type { MapSeatRow, PlacedSeat, PlanRow } from './seating.repository.js';

/**
 * Where the best seats look: the plan's focus, or else the middle of the front edge of its seats
 * (least `y`: drawings put the stage at the top). A plan without seats looks at the origin.
 */
export function focusOf(plan: SeatingPlanFields): Point {
  if (plan.focus) return plan.focus;
  let minX = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  for (const section of plan.sections) {
    for (const row of section.rows) {
      for (const seat of row.seats) {
        if (seat.x < minX) minX = seat.x;
        if (seat.x > maxX) maxX = seat.x;
        if (seat.y < minY) minY = seat.y;
      }
    }
  }
  return minY === Number.POSITIVE_INFINITY ? { x: 0, y: 0 } : { x: (minX + maxX) / 2, y: minY };
}

/** Every seat of the plan as its row of `seats` (position: its order in its row). */
export function placedSeats(plan: SeatingPlanFields): PlacedSeat[] {
  const placed: PlacedSeat[] = [];
  for (const section of plan.sections) {
    for (const row of section.rows) {
      for (const [position, seat] of row.seats.entries()) {
        placed.push({
          sectionKey: section.key,
          rowKey: row.key,
          seatKey: seat.key,
          label: seat.label,
          rowLabel: row.label,
          sectionName: section.name,
          ticketTypeId: seat.ticketTypeId,
          x: seat.x,
          y: seat.y,
          accessible: seat.accessible,
          position,
        });
      }
    }
  }
  return placed;
}

/** The plan's sections and rows, as `seating_plans.sections` keeps them. */
export function sectionsJson(plan: SeatingPlanFields): PlanSectionsJson[] {
  return plan.sections.map((section) => ({
    key: section.key,
    name: section.name,
    rows: section.rows.map((row) => ({ key: row.key, label: row.label })),
  }));
}

export function toSeatingPlan(
  eventId: string,
  version: number,
  focus: Point,
  plan: SeatingPlanFields,
): SeatingPlan {
  let seats = 0;
  const sections = plan.sections.map((section) => {
    const rows = section.rows.map((row) => ({
      key: row.key,
      label: row.label,
      seats: row.seats.length,
    }));
    const count = rows.reduce((sum, row) => sum + row.seats, 0);
    seats += count;
    return { key: section.key, name: section.name, seats: count, rows };
  });
  return { eventId, version, focus, sections, seats };
}

/** The map of an event's plan, its seats in plan order (none: version 0, nothing to draw). */
export function toSeatingMap(plan: PlanRow | undefined, rows: readonly MapSeatRow[]): SeatingMap {
  if (!plan) return { version: 0, focus: { x: 0, y: 0 }, sections: [], seats: [] };
  // Each row's rank in the plan (section by section), then each seat's position in its row.
  const rank = new Map<string, number>();
  for (const section of plan.sections) {
    for (const row of section.rows) rank.set(`${section.key} ${row.key}`, rank.size);
  }
  const order = rows.map((row) => ({
    row,
    rank: rank.get(`${row.section} ${row.row}`) ?? rank.size,
  }));
  order.sort((a, b) => a.rank - b.rank || a.row.position - b.row.position);
  const seats = order.map(({ row }): MapSeat => {
    const { position: _, ...seat } = row;
    return seat;
  });
  return { version: plan.version, focus: plan.focus, sections: plan.sections, seats };
}
