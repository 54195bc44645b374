import { describe, expect, it } from 'vitest';
import { group, hall, indexOf, picture, seated, show, T } from './seat-hall.fixtures.js';
import { createSeatIndex } from './seat-index.js';

// The seat index as the allocator's batch uses it: specific seats all or none, requests decided
// one after another on the same index, and seats given back.

describe('seat index: specific seats', () => {
  const text = `
    stage:    *
    A:     ..x...`;

  it('takes all the seats asked for, or none: the answer lists those not available', () => {
    const h = hall(text);
    const index = indexOf(h);
    // A3 is taken, A9 is not in the plan: A1 is not taken either.
    expect(index.takeSeats(['A1', 'A3', 'A9'])).toEqual(['A3', 'A9']);
    expect(index.seat('A1')?.free).toBe(true);
    expect(index.freeCount(T)).toBe(5);
    expect(index.takeSeats(['A1', 'A2'])).toEqual([]);
    expect(show(h, [], index)).toBe(picture('A:     xxx...'));
    expect(index.takeSeats(['A2', 'A4'])).toEqual(['A2']);
    expect(index.freeCount(T)).toBe(3);
  });

  it('takes a seat named twice once', () => {
    const index = indexOf(hall(text));
    expect(index.takeSeats(['A4', 'A4'])).toEqual([]);
    expect(index.freeCount(T)).toBe(4);
    expect(index.takeSeats(['A4'])).toEqual(['A4']);
  });

  it('keeps best available off seats taken by name', () => {
    const h = hall(text);
    const index = indexOf(h);
    expect(index.takeSeats(['A5'])).toEqual([]);
    expect(index.bestAvailable(group(2))).toEqual(['A1', 'A2']);
    expect(index.bestAvailable(group(2))).toBe('not-together');
    expect(index.bestAvailable(group(1))).toEqual(['A4']);
    expect(index.bestAvailable(group(2))).toBe('sold-out');
  });

  it('tells what it knows of a seat', () => {
    const index = indexOf(hall('A: .W v'));
    expect(index.size).toBe(3);
    expect(index.seat('A1')).toEqual({ ticketTypeId: 'T', accessible: false, free: true });
    expect(index.seat('A2')).toEqual({ ticketTypeId: 'T', accessible: true, free: false });
    expect(index.seat('A3')).toEqual({ ticketTypeId: 'V', accessible: false, free: true });
    expect(index.seat('B1')).toBeUndefined();
    const h = hall('A: ..');
    expect(() => createSeatIndex([...h.seats, ...h.seats], h.focus)).toThrow(
      'Seat A1 is given twice',
    );
  });
});

describe('seat index: a batch', () => {
  it('never gives a seat twice to the pairs of one batch, every pair adjacent', () => {
    // Twenty rows of 24 and 25 seats on either side of an aisle.
    const row = (label: string) => `${label}: ${'.'.repeat(24)}  ${'.'.repeat(25)}`;
    const labels = Array.from({ length: 20 }, (_, i) => String.fromCharCode(65 + i));
    const h = hall(['stage:                          *', ...labels.map(row)].join('\n'));
    const index = indexOf(h);
    const answers = Array.from({ length: 500 }, () => index.bestAvailable(group(2)));
    const pairs = answers.filter((a): a is string[] => typeof a !== 'string');
    const seen = pairs.flat();
    expect(new Set(seen).size).toBe(seen.length);
    const at = new Map(h.seats.map((s) => [s.id, s]));
    for (const [a, b] of pairs) {
      const [first, second] = [at.get(a ?? ''), at.get(b ?? '')];
      expect(first?.row).toBe(second?.row);
      expect((second?.x ?? 0) - (first?.x ?? 0)).toBe(1);
    }
    // Once no pair fits, what is left are single seats, which singles then fill.
    expect(answers.slice(pairs.length).every((a) => a === 'not-together')).toBe(true);
    const left = index.freeCount(T);
    expect(pairs.length * 2 + left).toBe(980);
    const singles = Array.from({ length: left }, () => index.bestAvailable(group(1)));
    expect(singles.every((s) => typeof s !== 'string')).toBe(true);
    expect(index.bestAvailable(group(1))).toBe('sold-out');
    console.info(`980 seats: ${pairs.length} pairs seated, ${left} single seats left to singles`);
  });

  it('decides requests in order: an earlier choice changes what a later one gets', () => {
    const h = hall(`
      stage:   *
      A:     ......
      B:     ......`);
    const index = indexOf(h);
    const chosen = [
      index.bestAvailable(group(4)),
      index.bestAvailable(group(2)),
      index.bestAvailable(group(3)),
    ];
    expect(chosen.map((c) => show(h, c))).toEqual([
      picture(`
        A:     ####..
        B:     ......`),
      picture(`
        A:     ......
        B:     ..##..`),
      picture(`
        A:     ......
        B:     ......`),
    ]);
    expect(chosen[2]).toBe('not-together');
  });
});

describe('seat index: release', () => {
  it('gives seats back to best available, and counts only seats that were taken', () => {
    const h = hall(`
      stage:  *
      A:     ......`);
    const index = indexOf(h);
    const first = seated(index.bestAvailable(group(2)));
    const second = seated(index.bestAvailable(group(2)));
    expect(show(h, [...first, ...second])).toBe(picture('A:     ####..'));
    expect(index.release(first)).toBe(2);
    expect(index.release(['A1', 'A5', 'Z1'])).toBe(0);
    expect(index.freeCount(T)).toBe(4);
    expect(show(h, [], index)).toBe(picture('A:     ..xx..'));
    expect(index.bestAvailable(group(2))).toEqual(['A1', 'A2']);
    // A batch whose write failed gives back what it took: the hall is as before.
    expect(index.release(['A1', 'A2', 'A3', 'A4'])).toBe(4);
    expect(index.bestAvailable(group(6))).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6']);
  });
});
