import { describe, expect, it } from 'vitest';
import { group, hall, indexOf, picture, show, T, V } from './seat-hall.fixtures.js';
import { createSeatIndex, type SeatRequest } from './seat-index.js';

// The best-available rules on hand-drawn halls (see seat-hall.fixtures.ts for the pictures):
// each case is a hall, a request, and the seats it gets drawn as `#`.

/** The hall's rows after one request, or its refusal. */
function pick(text: string, request: SeatRequest): string {
  const h = hall(text);
  const chosen = indexOf(h).bestAvailable(request);
  return typeof chosen === 'string' ? chosen : show(h, chosen);
}

describe('best available: together', () => {
  it('seats a group on adjacent seats of one row, never across a taken seat', () => {
    const text = `
      stage:    *
      A:    .x.x.x.x.
      B:    .........`;
    expect(pick(text, group(2))).toBe(
      picture(`
        A:    .x.x.x.x.
        B:    ...##....`),
    );
  });

  it('never across an aisle: the two seats by it are not adjacent', () => {
    expect(
      pick(
        `
        stage:     *
        A:    xxxx. .xxxx
        B:    ...........`,
        group(2),
      ),
    ).toBe(
      picture(`
        A:    xxxx. .xxxx
        B:    ....##.....`),
    );
    // The same seats without the aisle.
    expect(
      pick(
        `
        stage:     *
        A:    xxxxx..xxxx
        B:    ...........`,
        group(2),
      ),
    ).toBe(
      picture(`
        A:    xxxxx##xxxx
        B:    ...........`),
    );
  });
});

describe('best available: closest to the focus', () => {
  it('takes the seats nearest the focus, wherever it is', () => {
    expect(
      pick(
        `
        stage:  *
        A:     ..........
        B:     ..........`,
        group(2),
      ),
    ).toBe(
      picture(`
        A:     ##........
        B:     ..........`),
    );
    expect(
      pick(
        `
        stage:              *
        A:     ..........
        B:     ..........`,
        group(3),
      ),
    ).toBe(
      picture(`
        A:     .......###
        B:     ..........`),
    );
  });

  it('weighs a side seat in front against a centre seat behind by plain distance', () => {
    // A's pair is 1.5 seats off and one row back (1.80 away), C's 0.5 off and three back (3.04).
    expect(
      pick(
        `
        stage:     *
        A:     xxxxx..xx
        B:     xxxxxxxxx
        C:     .........`,
        group(2),
      ),
    ).toBe(
      picture(`
        A:     xxxxx##xx
        B:     xxxxxxxxx
        C:     .........`),
    );
    // 3.5 off (3.64 away): C is closer.
    expect(
      pick(
        `
        stage:     *
        A:     xxxxxxx..
        B:     xxxxxxxxx
        C:     .........`,
        group(2),
      ),
    ).toBe(
      picture(`
        A:     xxxxxxx..
        B:     xxxxxxxxx
        C:     ...##....`),
    );
  });

  it('breaks a tie by the first seat in row order: mirror placements tie exactly', () => {
    // Nine seats a tenth apart, the focus over the middle one: pairs 3-4 and 4-5 (from 0) are
    // equally close, though their centres differ in the last bits of a float.
    const seats = Array.from({ length: 9 }, (_, i) => ({
      id: `A${i + 1}`,
      section: 'main',
      row: 'A',
      order: i,
      x: i * 0.1,
      y: 1.3,
      ticketTypeId: 'T',
      accessible: false,
      free: true,
    }));
    const index = createSeatIndex(seats, { x: 0.4, y: 0.3 });
    expect(index.bestAvailable(group(2))).toEqual(['A4', 'A5']);
    expect(index.bestAvailable(group(2))).toEqual(['A6', 'A7']);
  });
});

describe('best available: no single-seat gap', () => {
  it('leaves no single seat between the group and a taken seat: it sits farther back instead', () => {
    const text = `
      stage:    *
      A:    xxx...xxx
      B:    .........`;
    expect(pick(text, group(2))).toBe(
      picture(`
        A:    xxx...xxx
        B:    ...##....`),
    );
  });

  it('leaves a single seat when no other placement exists', () => {
    const text = `
      stage:    *
      A:    xxx...xxx
      B:    xxxxxxxxx`;
    expect(pick(text, group(2))).toBe(
      picture(`
        A:    xxx##.xxx
        B:    xxxxxxxxx`),
    );
  });

  it('counts a row end and an aisle as edges', () => {
    const text = `
      stage:     *
      A:     ...  ...
      B:     ........`;
    // Every pair in A strands a seat by the aisle or the row end; in B, the pair leaves 4 and 2
    // seats (pairs can fill them) rather than 3 and 3 a seat nearer the middle.
    expect(pick(text, group(2))).toBe(
      picture(`
        A:     ...  ...
        B:     ....##..`),
    );
  });

  it('fills a row from the focus outwards, skipping placements that would strand a seat', () => {
    const h = hall(`
      stage:     *
      A:     ..........
      B:     ..........`);
    const index = indexOf(h);
    const chosen = [1, 2, 3].flatMap(() => index.bestAvailable(group(2)));
    // Each pair leaves pieces of A that pairs can fill (4 and 4, then 2 and 4), never one that
    // strands a seat; the third's best in A (by the right end) is farther than B's middle.
    expect(show(h, chosen)).toBe(
      picture(`
        A:     ..####....
        B:     ....##....`),
    );
    // Pairs alone fill both rows: no seat is stranded.
    const rest = Array.from({ length: 7 }, () => index.bestAvailable(group(2)));
    expect(rest.every(Array.isArray)).toBe(true);
    expect(index.freeCount(T)).toBe(0);
  });
});

describe('best available: accessible seats', () => {
  const text = `
    stage:      *
    A:     ...w....`;

  it('keeps accessible seats from a group that does not ask for them, closest or not', () => {
    expect(pick(text, group(2))).toBe(picture('A:     ...w##..'));
    expect(pick(text, group(1))).toBe(picture('A:     ...w.#..'));
  });

  it('gives a group that asks at least one accessible seat, its companions beside it', () => {
    // Beside it on the side that leaves 2 and 4 seats, not 3 and 3.
    expect(pick(text, group(2, { accessible: true }))).toBe(picture('A:     ..##....'));
    expect(pick(text, group(1, { accessible: true }))).toBe(picture('A:     ...#....'));
  });

  it('gives accessible seats to others only when nothing else fits, split seats first', () => {
    const hall2 = `
      stage:    *
      A:    ww
      B:    .x.`;
    expect(pick(hall2, group(2))).toBe(
      picture(`
        A:    ##
        B:    .x.`),
    );
    // Split seats that are not accessible come before accessible seats together.
    expect(pick(hall2, group(2, { together: false }))).toBe(
      picture(`
        A:    ww
        B:    #x#`),
    );
  });

  it('is sold out for a group that needs an accessible seat when none is free', () => {
    const text2 = `
      stage:   *
      A:     WW....`;
    expect(pick(text2, group(1, { accessible: true }))).toBe('sold-out');
    expect(pick(text2, group(1))).toBe(picture('A:     WW#...'));
  });

  it('seats an accessible group apart from its accessible seat only with together: false', () => {
    const text2 = `
      stage:   *
      A:     .wx....`;
    expect(pick(text2, group(3, { accessible: true }))).toBe('not-together');
    // The largest piece holding the accessible seat, then the rest as any split group.
    expect(pick(text2, group(3, { accessible: true, together: false }))).toBe(
      picture('A:     ##x#...'),
    );
  });
});

describe('best available: ticket types', () => {
  const text = `
    stage:       *
    A:     vvvv....vvvv`;

  it("takes only the request's type, another type's seat ending a segment like an aisle", () => {
    expect(pick(text, group(2, { ticketTypeId: V }))).toBe(picture('A:     vvvv....##vv'));
    // 12-13 would strand the seat by the V block.
    expect(pick(text, group(2))).toBe(picture('A:     vvvv..##vvvv'));
    expect(pick(text, group(5))).toBe('sold-out');
    expect(pick(text, group(1, { ticketTypeId: 'unknown' }))).toBe('sold-out');
  });
});

describe('best available: together: false', () => {
  const text = `
    stage:    *
    A:     ..x.x..`;

  it('splits a group that no row seats into the fewest pieces, each closest', () => {
    expect(pick(text, group(3))).toBe('not-together');
    expect(pick(text, group(3, { together: false }))).toBe(picture('A:     ##x#x..'));
    // Two pairs, not a pair and two singles.
    expect(pick(text, group(4, { together: false }))).toBe(picture('A:     ##x.x##'));
  });

  it('still seats the group together when a row can', () => {
    expect(pick(text, group(2, { together: false }))).toBe(picture('A:     ##x.x..'));
  });
});

describe('best available: refusals', () => {
  const text = `
    stage:    *
    A:     .x.x.x.`;

  it('is not-together when there are enough seats but no row seats the group, sold-out when there are not', () => {
    expect(pick(text, group(2))).toBe('not-together');
    expect(pick(text, group(4))).toBe('not-together');
    expect(pick(text, group(5))).toBe('sold-out');
    expect(pick(text, group(5, { together: false }))).toBe('sold-out');
    expect(pick(text, group(4, { together: false }))).toBe(picture('A:     #x#x#x#'));
  });

  it('refuses a group that is not a whole number of seats from 1', () => {
    const index = indexOf(hall(text));
    expect(() => index.bestAvailable(group(0))).toThrow(RangeError);
    expect(() => index.bestAvailable(group(1.5))).toThrow(RangeError);
  });
});
