import { describe, expect, it } from 'vitest';
import { AppError } from '../../kernel/app-error.js';
import { hall, indexOf, picture, show, T, V } from '../seating/seat-hall.fixtures.js';
import { seatOrder } from './order-seats.js';

// An order's seats as the allocator's batch takes them: every seated line or none, named seats
// all or none, best available otherwise, unseated types untouched.

const rows = `
  A:     ..x...
  B:     vvvvvv`;
const text = `
  stage:    *${rows}`;
const seated = new Set([T, V]);
const GA = 'general-admission';

const refusal = (answer: unknown) => (answer instanceof AppError ? answer : undefined);

describe('the seats of an order', () => {
  it('takes named seats and best-available ones for each line, and none for unseated types', () => {
    const h = hall(text);
    const index = indexOf(h);
    const answer = seatOrder(
      [
        { ticketTypeId: T, quantity: 2, seatIds: ['A4', 'A5'] },
        { ticketTypeId: V, quantity: 2 },
        { ticketTypeId: GA, quantity: 3 },
      ],
      index,
      seated,
    );
    expect(answer).toEqual([['A4', 'A5'], ['B3', 'B4'], []]);
    expect(show(h, [], index)).toBe(
      picture(`
        A:     ..xxx.
        B:     vvVVvv`),
    );
  });

  it('refuses the whole order when one line cannot be seated, giving back what the others took', () => {
    const h = hall(text);
    const index = indexOf(h);
    const taken = refusal(
      seatOrder(
        [
          { ticketTypeId: V, quantity: 2 },
          { ticketTypeId: T, quantity: 2, seatIds: ['A2', 'A3'] },
        ],
        index,
        seated,
      ),
    );
    expect(taken?.appCode).toBe('SEAT_UNAVAILABLE');
    expect(taken?.details).toEqual({ seatIds: ['A3'] });
    // Nothing stays taken: the hall is as drawn.
    expect(show(h, [], index)).toBe(picture(rows));

    // Five seats free, in a pair and a three: four do not sit together.
    const apart = refusal(seatOrder([{ ticketTypeId: T, quantity: 4 }], index, seated));
    expect(apart?.appCode).toBe('SEATS_NOT_TOGETHER');
    const split = seatOrder([{ ticketTypeId: T, quantity: 4, together: false }], index, seated);
    if (split instanceof AppError) throw split;
    expect(split[0]?.slice(0, 3)).toEqual(['A4', 'A5', 'A6']);
    expect(split[0]).toHaveLength(4);
    const gone = refusal(seatOrder([{ ticketTypeId: T, quantity: 3 }], index, seated));
    expect(gone?.appCode).toBe('SOLD_OUT');
    expect(gone?.details).toEqual({ ticketTypeId: T, available: 1 });
  });

  it('refuses a seat of another type, a seat named twice, and seats for a type that has none', () => {
    const h = hall(text);
    const index = indexOf(h);
    const foreign = refusal(
      seatOrder([{ ticketTypeId: T, quantity: 1, seatIds: ['B1'] }], index, seated),
    );
    expect(foreign?.appCode).toBe('SEAT_UNAVAILABLE');
    expect(foreign?.details).toEqual({ seatIds: ['B1'] });
    const twice = refusal(
      seatOrder([{ ticketTypeId: T, quantity: 2, seatIds: ['A1', 'A1'] }], index, seated),
    );
    expect(twice?.appCode).toBe('VALIDATION_FAILED');
    const unseated = refusal(
      seatOrder([{ ticketTypeId: GA, quantity: 1, seatIds: ['A1'] }], index, seated),
    );
    expect(unseated?.appCode).toBe('VALIDATION_FAILED');
    expect(show(h, [], index)).toBe(picture(rows));
    // An event without a plan seats nobody, and refuses named seats.
    expect(seatOrder([{ ticketTypeId: T, quantity: 2 }], undefined, seated)).toEqual([[]]);
  });

  it('never gives one seat to two orders of a batch', () => {
    const index = indexOf(
      hall(`
      stage:      *
      A:   ..........
      B:   ..........
      C:   ..........`),
    );
    const seen = new Set<string>();
    for (let i = 0; i < 15; i++) {
      const answer = seatOrder([{ ticketTypeId: T, quantity: 2 }], index, seated);
      if (answer instanceof AppError) throw answer;
      for (const id of answer.flat()) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
    expect(seen.size).toBe(30);
    const full = seatOrder([{ ticketTypeId: T, quantity: 1 }], index, seated);
    expect(refusal(full)?.appCode).toBe('SOLD_OUT');
  });
});
