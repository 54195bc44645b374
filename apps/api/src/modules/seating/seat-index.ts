import {
  bestWindow,
  chooseSeats,
  type Geometry,
  longestWindow,
  type Run,
  type SeatPool,
  type SeatRefusal,
  type SeatRequest,
  type Window,
  type WindowMode,
  windowBefore,
} from './best-available.js';
import { createMinHeap, type MinHeap } from './min-heap.js';
import { layOut, type Point, type SeatInput } from './seat-layout.js';

export type { SeatRefusal, SeatRequest } from './best-available.js';
export type { Point, SeatInput } from './seat-layout.js';

// An event's seats in memory, for the allocator's batch: requests are decided one after another
// and each choice takes its seats at once, so two requests of a batch never get the same seat.
//
// Free seats are kept as runs (consecutive free seats of one segment). For each (type, group
// size, mode) a request asked for, a heap holds every run's best placement (best-available.ts
// ranks them): a request reads the heap's top, and taking or releasing seats recomputes the runs
// of the one segment touched and pushes their placements. A replaced run's entries are dropped
// lazily when they reach the top, and swept out when they outnumber the live ones.
// Costs, with s the seats of a segment and h the heaps of its type: a request O(h·s + log runs)
// plus the stale entries it pops; a heap's first use O(seats of the type); a refusal O(1) when
// the type has too few free seats, O(log runs) otherwise; a group split (together: false, no
// segment seats it) O(seats of the type) per piece, to find the longest run.

/** A seat as the index knows it. */
export interface IndexedSeat {
  ticketTypeId: string;
  accessible: boolean;
  free: boolean;
}

export interface SeatIndex {
  readonly size: number;
  /** Free seats of a type, accessible ones included. */
  freeCount(ticketTypeId: string): number;
  /** undefined for an id that is not in the plan. */
  seat(id: string): IndexedSeat | undefined;
  /** Takes exactly these seats, all or none: the ids that are not free (or not in the plan). */
  takeSeats(seatIds: readonly string[]): string[];
  /** The best available seats for a group, taken; or why there are none (nothing taken). */
  bestAvailable(request: SeatRequest): string[] | SeatRefusal;
  /** Frees taken seats (a hold that expired, a write that failed): how many were freed. */
  release(seatIds: readonly string[]): number;
}

interface TypeSeats {
  segments: number[];
  free: number;
  freeAccessible: number;
  /** Live runs, to tell when a heap is mostly stale entries. */
  runs: number;
  heaps: Map<string, { count: number; mode: WindowMode; heap: MinHeap<Window> }>;
}

/** A heap is swept when its stale entries pass this many times the live runs (plus a floor). */
const SWEEP_RATIO = 2;
const SWEEP_FLOOR = 64;

export function createSeatIndex(seats: readonly SeatInput[], focus: Point): SeatIndex {
  const layout = layOut(seats);
  const { ids, numberOf, segments, segmentOf } = layout;
  const free = layout.free;
  const geometry: Geometry = { x: layout.x, y: layout.y, accessible: layout.accessible, focus };
  const types = new Map<string, TypeSeats>();
  const runsOf: Run[][] = segments.map(() => []);

  const typeOf = (type: string): TypeSeats => {
    let seats = types.get(type);
    if (!seats) {
      seats = { segments: [], free: 0, freeAccessible: 0, runs: 0, heaps: new Map() };
      types.set(type, seats);
    }
    return seats;
  };

  const runsIn = (segmentNo: number): Run[] => {
    const segment = segments[segmentNo];
    const runs: Run[] = [];
    if (!segment) return runs;
    let start = -1;
    for (let n = segment.first; n <= segment.end; n++) {
      const open = n < segment.end && free[n] === 1;
      if (open && start < 0) start = n;
      if (!open && start >= 0) {
        runs.push({ segment: segmentNo, start, end: n, alive: true });
        start = -1;
      }
    }
    return runs;
  };

  /** After seats of a segment changed: its runs anew, their placements into every heap. */
  const refresh = (segmentNo: number) => {
    const segment = segments[segmentNo];
    if (!segment) return;
    const seatsOfType = typeOf(segment.type);
    const old = runsOf[segmentNo] ?? [];
    for (const run of old) run.alive = false;
    const runs = runsIn(segmentNo);
    runsOf[segmentNo] = runs;
    seatsOfType.runs += runs.length - old.length;
    for (const { count, mode, heap } of seatsOfType.heaps.values()) {
      for (const run of runs) {
        const window = bestWindow(geometry, run, count, mode);
        if (window) heap.push(window);
      }
      if (heap.size > SWEEP_RATIO * seatsOfType.runs + SWEEP_FLOOR) {
        heap.retain((w) => w.run.alive);
      }
    }
  };

  const heapOf = (type: string, count: number, mode: WindowMode): MinHeap<Window> => {
    const seatsOfType = typeOf(type);
    const key = `${count}:${mode}`;
    const known = seatsOfType.heaps.get(key);
    if (known) return known.heap;
    const heap = createMinHeap(windowBefore);
    for (const segmentNo of seatsOfType.segments) {
      for (const run of runsOf[segmentNo] ?? []) {
        const window = bestWindow(geometry, run, count, mode);
        if (window) heap.push(window);
      }
    }
    seatsOfType.heaps.set(key, { count, mode, heap });
    return heap;
  };

  /** Sets seats free or taken (they are known, and each changes); refreshes their segments. */
  const mark = (numbers: readonly number[], to: 0 | 1) => {
    const touched = new Set<number>();
    for (const n of numbers) {
      free[n] = to;
      const segmentNo = segmentOf[n] ?? 0;
      touched.add(segmentNo);
      const seatsOfType = typeOf(segments[segmentNo]?.type ?? '');
      const delta = to === 1 ? 1 : -1;
      seatsOfType.free += delta;
      if (layout.accessible[n]) seatsOfType.freeAccessible += delta;
    }
    for (const segmentNo of touched) refresh(segmentNo);
  };

  const numbersOf = (seatIds: readonly string[]) => {
    const known: number[] = [];
    const unknown: string[] = [];
    for (const id of new Set(seatIds)) {
      const n = numberOf.get(id);
      if (n === undefined) unknown.push(id);
      else known.push(n);
    }
    return { known, unknown };
  };

  const release = (seatIds: readonly string[]): number => {
    const taken = numbersOf(seatIds).known.filter((n) => free[n] === 0);
    mark(taken, 1);
    return taken.length;
  };

  const pool: SeatPool = {
    freeSeats(type, mode) {
      const seatsOfType = types.get(type);
      if (!seatsOfType) return 0;
      if (mode === 'any') return seatsOfType.free;
      if (mode === 'accessible') return seatsOfType.freeAccessible;
      return seatsOfType.free - seatsOfType.freeAccessible;
    },
    best(type, count, mode) {
      const heap = heapOf(type, count, mode);
      let top = heap.peek();
      while (top && !top.run.alive) {
        heap.pop();
        top = heap.peek();
      }
      return top;
    },
    longest(type, mode) {
      let longest = 0;
      for (const segmentNo of types.get(type)?.segments ?? []) {
        for (const run of runsOf[segmentNo] ?? []) {
          longest = Math.max(longest, longestWindow(geometry, run, mode));
        }
      }
      return longest;
    },
    take(window) {
      const numbers = Array.from({ length: window.count }, (_, i) => window.start + i);
      mark(numbers, 0);
      return numbers.map((n) => ids[n] ?? '');
    },
    release,
  };

  for (const [segmentNo, segment] of segments.entries()) {
    typeOf(segment.type).segments.push(segmentNo);
    const runs = runsIn(segmentNo);
    runsOf[segmentNo] = runs;
    typeOf(segment.type).runs += runs.length;
  }
  for (const segment of segments) {
    const seatsOfType = typeOf(segment.type);
    for (let n = segment.first; n < segment.end; n++) {
      if (!free[n]) continue;
      seatsOfType.free++;
      if (layout.accessible[n]) seatsOfType.freeAccessible++;
    }
  }

  return {
    size: ids.length,
    freeCount: (type) => types.get(type)?.free ?? 0,
    seat(id) {
      const n = numberOf.get(id);
      if (n === undefined) return undefined;
      return {
        ticketTypeId: segments[segmentOf[n] ?? 0]?.type ?? '',
        accessible: layout.accessible[n] === 1,
        free: free[n] === 1,
      };
    },
    takeSeats(seatIds) {
      const { known, unknown } = numbersOf(seatIds);
      const unavailable = [...unknown, ...known.filter((n) => free[n] === 0).map((n) => ids[n])];
      if (unavailable.length > 0) {
        // In the caller's order.
        const refused = new Set(unavailable);
        return [...new Set(seatIds)].filter((id) => refused.has(id));
      }
      mark(known, 0);
      return [];
    },
    bestAvailable: (request) => chooseSeats(pool, request),
    release,
  };
}
