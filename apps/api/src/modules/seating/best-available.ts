import type { Point } from './seat-layout.js';

// Best available: which seats a group gets, over the free runs of a hall. The rules, in rank
// order (the first that tells two placements apart decides):
//   1. one ticket type: only seats of the request's type (the index keeps runs per type);
//   2. accessible seats are kept: a request that asks for one gets a placement holding at least
//      one (its companions may sit on ordinary seats next to it); any other request gets them
//      only when no placement without them fits, together or split as it asked;
//   3. together: adjacent seats of one segment (one row, no aisle between them); `together:
//      false` takes the fewest pieces when no segment seats the whole group;
//   4. no single-seat gap: a placement that leaves exactly one free seat (accessible or not)
//      between it and a taken seat, a row end, an aisle or another type's seat is chosen only
//      when no placement without one exists anywhere in the hall (in its mode, see rule 2);
//   5. closest to the focus: the distance from the group's centre (the mean of its seats) to the
//      plan's focus, compared to a millionth of a unit so that mirror placements tie exactly —
//      but within one stretch of free seats, first the placement whose leftover pieces groups of
//      the same size could fill (each a multiple of the group's size): two seats in an empty row
//      of 40 go to seats 21–22, not 20–21, which would leave 19 and 19 and, in a sale of pairs,
//      strand a seat on each side (a 1,000-seat hall of 25 such rows sold 475 pairs, not 500);
//   6. then the lowest first seat in (section, row, order): a deterministic tie-break.

/** What a group asks for. */
export interface SeatRequest {
  ticketTypeId: string;
  /** How many seats: a whole number from 1. */
  count: number;
  /** false: split seats are accepted when no segment seats the group together. */
  together: boolean;
  /** The group needs an accessible seat: it gets at least one, or nothing. */
  accessible?: boolean;
}

/**
 * `sold-out`: fewer free seats of the type than the group (or no free accessible seat for a
 * request that needs one); `not-together`: enough seats, but no segment seats the group.
 */
export type SeatRefusal = 'not-together' | 'sold-out';

/** Which seats a placement may hold: no accessible seat, at least one, or any. */
export type WindowMode = 'plain' | 'accessible' | 'any';

/** Consecutive free seats of one segment, seats `start` to `end - 1`; dead once it changed. */
export interface Run {
  segment: number;
  start: number;
  end: number;
  alive: boolean;
}

/** A placement of `count` seats from `start`, within one run, with its rank (rules 4 to 6). */
export interface Window {
  run: Run;
  start: number;
  count: number;
  gap: 0 | 1;
  /** Leftover pieces (0–2) that groups of `count` could not fill exactly: compared in its run. */
  misfit: number;
  distance: number;
}

/** The seats' coordinates and accessibility by number, and the plan's focus. */
export interface Geometry {
  x: Float64Array;
  y: Float64Array;
  accessible: Uint8Array;
  focus: Point;
}

const DISTANCE_GRAIN = 1e6;

/** Within one run: whether a placement of this rank is better than `best` (rules 4, 5). */
function runRankBefore(gap: number, misfit: number, distance: number, best: Window): boolean {
  if (gap !== best.gap) return gap < best.gap;
  if (misfit !== best.misfit) return misfit < best.misfit;
  return distance < best.distance;
}

/** Whether `a` ranks before `b` (each the best of its run). */
export function windowBefore(a: Window, b: Window): boolean {
  if (a.gap !== b.gap) return a.gap < b.gap;
  if (a.distance !== b.distance) return a.distance < b.distance;
  return a.start < b.start;
}

const fits = (mode: WindowMode, accessibleSeats: number) =>
  mode === 'any' || (mode === 'plain' ? accessibleSeats === 0 : accessibleSeats > 0);

/** The best placement of `count` seats in `run` that `mode` allows, in O(length of the run). */
export function bestWindow(
  geometry: Geometry,
  run: Run,
  count: number,
  mode: WindowMode,
): Window | undefined {
  const { start, end } = run;
  if (end - start < count) return undefined;
  const { x, y, accessible, focus } = geometry;
  // Sliding sums over the window: its centre and how many accessible seats it holds.
  let sumX = 0;
  let sumY = 0;
  let held = 0;
  for (let i = start; i < start + count; i++) {
    sumX += x[i] ?? 0;
    sumY += y[i] ?? 0;
    held += accessible[i] ?? 0;
  }
  let best: Window | undefined;
  for (let from = start; ; from++) {
    if (fits(mode, held)) {
      const left = from - start;
      const right = end - from - count;
      const gap = left === 1 || right === 1 ? 1 : 0;
      const misfit = (left % count === 0 ? 0 : 1) + (right % count === 0 ? 0 : 1);
      const dx = sumX / count - focus.x;
      const dy = sumY / count - focus.y;
      const distance = Math.round(Math.sqrt(dx * dx + dy * dy) * DISTANCE_GRAIN);
      // Later windows start later: only a strictly better rank replaces the best.
      if (!best || runRankBefore(gap, misfit, distance, best)) {
        best = { run, start: from, count, gap, misfit, distance };
      }
    }
    const next = from + count;
    if (next >= end) break;
    sumX += (x[next] ?? 0) - (x[from] ?? 0);
    sumY += (y[next] ?? 0) - (y[from] ?? 0);
    held += (accessible[next] ?? 0) - (accessible[from] ?? 0);
  }
  return best;
}

/** The largest group `mode` allows in `run` (0 when none). */
export function longestWindow(geometry: Geometry, run: Run, mode: WindowMode): number {
  const length = run.end - run.start;
  if (mode === 'any') return length;
  let accessibleSeats = 0;
  let longest = 0;
  let stretch = 0;
  for (let i = run.start; i < run.end; i++) {
    const seat = geometry.accessible[i] ?? 0;
    accessibleSeats += seat;
    stretch = seat ? 0 : stretch + 1;
    longest = Math.max(longest, stretch);
  }
  if (mode === 'accessible') return accessibleSeats > 0 ? length : 0;
  return longest;
}

/** What the rules need from the seat index: its free seats per type, as runs and counts. */
export interface SeatPool {
  /** Free seats of a type: without accessible ones (`plain`), only those, or all (`any`). */
  freeSeats(ticketTypeId: string, mode: WindowMode): number;
  /** The best placement of `count` seats of the type in the whole hall, by rank. */
  best(ticketTypeId: string, count: number, mode: WindowMode): Window | undefined;
  /** The largest group `mode` allows in one piece. */
  longest(ticketTypeId: string, mode: WindowMode): number;
  /** Takes a placement's seats; their ids in row order. */
  take(window: Window): string[];
  release(seatIds: readonly string[]): void;
}

/** Fewest pieces: each the largest that still fits (which is optimal), best placed. */
function split(
  pool: SeatPool,
  ticketTypeId: string,
  count: number,
  mode: WindowMode,
): string[] | SeatRefusal {
  const seats: string[] = [];
  while (seats.length < count) {
    const size = Math.min(count - seats.length, pool.longest(ticketTypeId, mode));
    const window = size > 0 ? pool.best(ticketTypeId, size, mode) : undefined;
    if (!window) {
      // Not reached once the free seats were counted; all or none all the same.
      pool.release(seats);
      return 'not-together';
    }
    seats.push(...pool.take(window));
  }
  return seats;
}

/** An accessible request: the accessible seat first, then its companions as a split group. */
function chooseAccessible(pool: SeatPool, request: SeatRequest): string[] | SeatRefusal {
  const { ticketTypeId, count } = request;
  if (pool.freeSeats(ticketTypeId, 'accessible') === 0) return 'sold-out';
  const together = pool.best(ticketTypeId, count, 'accessible');
  if (together) return pool.take(together);
  if (request.together) return 'not-together';
  const size = Math.min(count, pool.longest(ticketTypeId, 'accessible'));
  const first = pool.best(ticketTypeId, size, 'accessible');
  if (!first) return 'not-together';
  const seats = pool.take(first);
  const rest = chooseSeats(pool, { ticketTypeId, count: count - seats.length, together: false });
  if (typeof rest === 'string') {
    pool.release(seats);
    return rest;
  }
  return [...seats, ...rest];
}

/** The seats a request gets, taken from the pool, or why it gets none (nothing taken then). */
export function chooseSeats(pool: SeatPool, request: SeatRequest): string[] | SeatRefusal {
  const { ticketTypeId, count } = request;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`A group is a whole number of seats from 1, not ${count}`);
  }
  if (pool.freeSeats(ticketTypeId, 'any') < count) return 'sold-out';
  if (request.accessible) return chooseAccessible(pool, request);
  for (const mode of ['plain', 'any'] as const) {
    const together = pool.best(ticketTypeId, count, mode);
    if (together) return pool.take(together);
    if (!request.together && pool.freeSeats(ticketTypeId, mode) >= count) {
      return split(pool, ticketTypeId, count, mode);
    }
  }
  return 'not-together';
}
