import { createSeatIndex, type SeatIndex, type SeatInput } from './seat-index.js';

// Halls drawn as pictures, for the seating tests. One line per row, `label: seats`, where a
// seat's x is its column in the picture and its y the line's number:
//   .  a free seat        x  a taken seat (held, sold or blocked)
//   w  a free accessible  W  a taken accessible seat
//   v  a free seat of the other type (V)   V  a taken one
//   space or |  no seat: two or more columns between seats make an aisle
// A `stage:` line marks the focus with `*`. The label may be `section/row`; the default section
// is `main`. Seats are named row then number from the left, `A1`, `A2`, or `balcony/A1`.

export const T = 'T';
export const V = 'V';

interface Drawn {
  label: string;
  line: number;
  /** Column of the ':' ending the label, and the seats: column and id. */
  seats: Array<{ column: number; id: string }>;
  text: string;
}

export interface Hall {
  seats: SeatInput[];
  focus: { x: number; y: number };
  rows: Drawn[];
}

const SEAT_CHARS: Record<string, Pick<SeatInput, 'ticketTypeId' | 'accessible' | 'free'>> = {
  '.': { ticketTypeId: T, accessible: false, free: true },
  x: { ticketTypeId: T, accessible: false, free: false },
  w: { ticketTypeId: T, accessible: true, free: true },
  W: { ticketTypeId: T, accessible: true, free: false },
  v: { ticketTypeId: V, accessible: false, free: true },
  V: { ticketTypeId: V, accessible: false, free: false },
};

/** A multi-line picture without its common indentation and its blank lines. */
export function picture(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const indent = Math.min(...lines.map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent).trimEnd()).join('\n');
}

export function hall(text: string): Hall {
  const lines = picture(text).split('\n');
  const hallOf: Hall = { seats: [], focus: { x: 0, y: 0 }, rows: [] };
  for (const [line, content] of lines.entries()) {
    const colon = content.indexOf(':');
    if (colon < 0) throw new Error(`No label on line ${line}: ${content}`);
    const label = content.slice(0, colon).trim();
    if (label === 'stage') {
      hallOf.focus = { x: content.indexOf('*'), y: line };
      continue;
    }
    const [section, row] = label.includes('/') ? label.split('/') : ['main', label];
    const prefix = section === 'main' ? '' : `${section}/`;
    const drawn: Drawn = { label, line, seats: [], text: content };
    for (let column = colon + 1; column < content.length; column++) {
      const kind = SEAT_CHARS[content[column] ?? ' '];
      if (!kind) continue;
      const id = `${prefix}${row}${drawn.seats.length + 1}`;
      drawn.seats.push({ column, id });
      hallOf.seats.push({
        id,
        section: section ?? 'main',
        row: row ?? '',
        order: column,
        x: column,
        y: line,
        ...kind,
      });
    }
    hallOf.rows.push(drawn);
  }
  return hallOf;
}

export const indexOf = (h: Hall): SeatIndex => createSeatIndex(h.seats, h.focus);

/**
 * The rows of a hall as drawn, with `chosen` seats as `#` and, given the index, every other
 * seat it holds as taken drawn as taken (`x`, `W`, `V`).
 */
export function show(h: Hall, chosen: readonly string[] | string, index?: SeatIndex): string {
  const marked = new Set(typeof chosen === 'string' ? [] : chosen);
  return h.rows
    .map((row) => {
      const chars = [...row.text];
      for (const { column, id } of row.seats) {
        const char = chars[column] ?? '.';
        if (marked.has(id)) chars[column] = '#';
        else if (index?.seat(id)?.free === false) chars[column] = taken(char);
      }
      return chars.join('').trimEnd();
    })
    .join('\n');
}

const TAKEN: Record<string, string> = { '.': 'x', w: 'W', v: 'V' };
const taken = (char: string) => TAKEN[char] ?? char;

/** A request for `count` seats of type T, together unless told. */
export const group = (
  count: number,
  patch: { ticketTypeId?: string; together?: boolean; accessible?: boolean } = {},
) => ({ ticketTypeId: T, count, together: true, ...patch });

/** The seats of an answer that must have some. */
export function seated(answer: readonly string[] | string): readonly string[] {
  if (typeof answer === 'string') throw new Error(`Refused: ${answer}`);
  return answer;
}
