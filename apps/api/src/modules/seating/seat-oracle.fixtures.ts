import type { WindowMode } from './best-available.js';
import type { Point, SeatInput } from './seat-index.js';

// Best available by brute force, for the property test and the measurement: every placement of
// every row looked at, ranked as best-available.ts says. Adjacency is read from the test halls'
// integer columns (same row and type, one column apart), not from the index's segments.

export interface OracleHall {
  /** By (section, row, x), the index's numbering. */
  rows: SeatInput[][];
  focus: Point;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function oracleHall(seats: readonly SeatInput[], focus: Point): OracleHall {
  const rows = new Map<string, SeatInput[]>();
  for (const seat of seats) {
    const key = `${seat.section}\u0000${seat.row}`;
    rows.set(key, [...(rows.get(key) ?? []), seat]);
  }
  return {
    rows: [...rows.keys()]
      .sort(byCodeUnit)
      .map((key) => (rows.get(key) ?? []).sort((a, b) => a.x - b.x)),
    focus,
  };
}

const next = (a: SeatInput | undefined, b: SeatInput | undefined) =>
  a !== undefined && b !== undefined && b.x - a.x === 1 && a.ticketTypeId === b.ticketTypeId;

/** Free seats adjacent to `row[from]` on the side of `step` (the seat itself excluded). */
function freeBeside(row: SeatInput[], from: number, step: 1 | -1, free: ReadonlySet<string>) {
  let n = 0;
  for (let j = from + step; ; j += step) {
    const seat = row[j];
    const inner = row[j - step];
    const adjacent = step === 1 ? next(inner, seat) : next(seat, inner);
    if (!seat || !free.has(seat.id) || !adjacent) break;
    n++;
  }
  return n;
}

interface Ranked {
  ids: string[];
  gap: number;
  misfit: number;
  distance: number;
}

/**
 * The best placement of `count` seats together, as seat ids, or undefined: in each stretch of
 * free seats the best by (gap, misfit, distance), then across stretches by (gap, distance),
 * ties to the first.
 */
export function oracleBest(
  hall: OracleHall,
  free: ReadonlySet<string>,
  ticketTypeId: string,
  count: number,
  mode: WindowMode,
): string[] | undefined {
  // Each stretch's best, by the stretch's first seat, in hall order.
  const stretches = new Map<string, Ranked>();
  for (const [r, row] of hall.rows.entries()) {
    for (let i = 0; i + count <= row.length; i++) {
      const window = row.slice(i, i + count);
      if (
        window.some(
          (s, j) =>
            !free.has(s.id) ||
            s.ticketTypeId !== ticketTypeId ||
            (j > 0 && !next(window[j - 1], s)),
        )
      ) {
        continue;
      }
      const accessible = window.filter((s) => s.accessible).length;
      if (mode === 'plain' && accessible > 0) continue;
      if (mode === 'accessible' && accessible === 0) continue;
      const left = freeBeside(row, i, -1, free);
      const right = freeBeside(row, i + count - 1, 1, free);
      const gap = left === 1 || right === 1 ? 1 : 0;
      const misfit = (left % count === 0 ? 0 : 1) + (right % count === 0 ? 0 : 1);
      const sumX = window.reduce((sum, s) => sum + s.x, 0);
      const sumY = window.reduce((sum, s) => sum + s.y, 0);
      const dx = sumX / count - hall.focus.x;
      const dy = sumY / count - hall.focus.y;
      const distance = Math.round(Math.sqrt(dx * dx + dy * dy) * 1e6);
      const stretch = `${r}:${i - left}`;
      const best = stretches.get(stretch);
      if (
        !best ||
        gap < best.gap ||
        (gap === best.gap &&
          (misfit < best.misfit || (misfit === best.misfit && distance < best.distance)))
      ) {
        stretches.set(stretch, { ids: window.map((s) => s.id), gap, misfit, distance });
      }
    }
  }
  let best: Ranked | undefined;
  for (const candidate of stretches.values()) {
    if (
      !best ||
      candidate.gap < best.gap ||
      (candidate.gap === best.gap && candidate.distance < best.distance)
    ) {
      best = candidate;
    }
  }
  return best?.ids;
}

/** The fewest pieces `count` seats of the type split into, over `mode`'s stretches. */
export function fewestPieces(
  hall: OracleHall,
  free: ReadonlySet<string>,
  ticketTypeId: string,
  count: number,
  mode: 'plain' | 'any',
): number {
  const stretches: number[] = [];
  for (const row of hall.rows) {
    let stretch = 0;
    for (const [i, seat] of row.entries()) {
      const usable =
        free.has(seat.id) &&
        seat.ticketTypeId === ticketTypeId &&
        (mode === 'any' || !seat.accessible);
      if (usable && stretch > 0 && next(row[i - 1], seat)) {
        stretch++;
        continue;
      }
      if (stretch > 0) stretches.push(stretch);
      stretch = usable ? 1 : 0;
    }
    if (stretch > 0) stretches.push(stretch);
  }
  stretches.sort((a, b) => b - a);
  let pieces = 0;
  for (let seated = 0; seated < count; pieces++) seated += stretches[pieces] ?? count;
  return pieces;
}
