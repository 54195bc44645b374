// The shape of a hall as best-available reads it: seats numbered in (section, row, order), so a
// row is a range of numbers, cut into segments — stretches a group can sit in together.

export interface Point {
  x: number;
  y: number;
}

/** One seat of an event as the allocator's snapshot reads it. */
export interface SeatInput {
  id: string;
  section: string;
  /** The row's key within its section. */
  row: string;
  /** Position in its row: only the order of these numbers counts, not their gaps. */
  order: number;
  x: number;
  y: number;
  ticketTypeId: string;
  accessible: boolean;
  /** Neither held, sold nor blocked. */
  free: boolean;
}

/**
 * Seats of one row, next to each other, of one ticket type, with no aisle between them: the
 * seats `first` to `end - 1`. A group sits together only within one segment.
 */
export interface Segment {
  type: string;
  first: number;
  end: number;
}

/** A hall's seats by number (see the file's note); seat `n`'s facts are at index `n`. */
export interface Layout {
  ids: string[];
  numberOf: Map<string, number>;
  x: Float64Array;
  y: Float64Array;
  accessible: Uint8Array;
  /** Free flags as read; the index then keeps them up to date. */
  free: Uint8Array;
  segmentOf: Int32Array;
  segments: Segment[];
}

/**
 * A step between two seats of a row this many times longer than the row's usual step is a
 * physical break (an aisle, a pillar, a removed seat): the seats on each side are not adjacent.
 * An aisle is about a seat wide or more, so twice the spacing; 1.5 leaves room for curved rows
 * and uneven drawings.
 */
export const AISLE_FACTOR = 1.5;

// Plain code-unit order: the same on every machine and locale, which the tie-break relies on.
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The row's usual step: the lower median, so that aisles (fewer than half the steps) do not move
 * it. A row of two seats has nothing to compare its one step with: its seats are adjacent.
 */
function usualStep(steps: readonly number[]): number {
  if (steps.length === 0) return 0;
  const sorted = [...steps].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1] ?? 0;
}

/** Where a row's seats split into segments: before each seat that is not adjacent to the last. */
function breaksOf(row: readonly SeatInput[]): boolean[] {
  // Euclidean steps, not x alone: a curved row's seats also move in y.
  const steps: number[] = [];
  for (let i = 1; i < row.length; i++) {
    const dx = (row[i]?.x ?? 0) - (row[i - 1]?.x ?? 0);
    const dy = (row[i]?.y ?? 0) - (row[i - 1]?.y ?? 0);
    steps.push(Math.sqrt(dx * dx + dy * dy));
  }
  const limit = usualStep(steps) * AISLE_FACTOR;
  return row.map((seat, i) => {
    const previous = row[i - 1];
    if (!previous) return true;
    return previous.ticketTypeId !== seat.ticketTypeId || (steps[i - 1] ?? 0) > limit;
  });
}

/** Numbers the seats and cuts their rows into segments. Throws on a seat id given twice. */
export function layOut(seats: readonly SeatInput[]): Layout {
  const sections = new Map<string, Map<string, SeatInput[]>>();
  for (const seat of seats) {
    let rows = sections.get(seat.section);
    if (!rows) {
      rows = new Map();
      sections.set(seat.section, rows);
    }
    const row = rows.get(seat.row);
    if (row) row.push(seat);
    else rows.set(seat.row, [seat]);
  }

  const n = seats.length;
  const layout: Layout = {
    ids: [],
    numberOf: new Map(),
    x: new Float64Array(n),
    y: new Float64Array(n),
    accessible: new Uint8Array(n),
    free: new Uint8Array(n),
    segmentOf: new Int32Array(n),
    segments: [],
  };
  let next = 0;
  for (const section of [...sections.keys()].sort(byCodeUnit)) {
    const rows = sections.get(section) ?? new Map<string, SeatInput[]>();
    for (const key of [...rows.keys()].sort(byCodeUnit)) {
      const row = (rows.get(key) ?? []).sort((a, b) => a.order - b.order || a.x - b.x);
      const breaks = breaksOf(row);
      for (const [i, seat] of row.entries()) {
        if (layout.numberOf.has(seat.id)) throw new Error(`Seat ${seat.id} is given twice`);
        if (breaks[i]) layout.segments.push({ type: seat.ticketTypeId, first: next, end: next });
        const segment = layout.segments.length - 1;
        const current = layout.segments[segment];
        if (current) current.end = next + 1;
        layout.ids.push(seat.id);
        layout.numberOf.set(seat.id, next);
        layout.x[next] = seat.x;
        layout.y[next] = seat.y;
        layout.accessible[next] = seat.accessible ? 1 : 0;
        layout.free[next] = seat.free ? 1 : 0;
        layout.segmentOf[next] = segment;
        next++;
      }
    }
  }
  return layout;
}
