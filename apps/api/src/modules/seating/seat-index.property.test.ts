import { describe, expect, it } from 'vitest';
import { createSeatIndex, type SeatInput, type SeatRequest } from './seat-index.js';
import { fewestPieces, oracleBest, oracleHall } from './seat-oracle.fixtures.js';

// Random halls and random request sequences against a brute-force model of the hall: no seat is
// chosen twice, every chosen seat was free and of the request's type, a together group sits
// adjacent, a together choice is exactly the brute force's best, a split one has the fewest
// pieces, and specific seats go all or none. Seeded: a failure names its seed and step.

/** mulberry32: a small seeded generator, so that a failing case can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Sections of rows at integer columns, some rows ending in a block of type V. */
function randomHall(next: () => number): SeatInput[] {
  const int = (from: number, to: number) => from + Math.floor(next() * (to - from + 1));
  const seats: SeatInput[] = [];
  const sections = int(1, 3);
  for (let s = 0; s < sections; s++) {
    const rows = int(1, 6);
    for (let r = 0; r < rows; r++) {
      const length = int(3, 24);
      // Aisles on at most a third of the steps, so that the row's usual step stays 1.
      const aisles = new Set(
        Array.from({ length: int(0, Math.floor((length - 1) / 3)) }, () => int(1, length - 1)),
      );
      const vFrom = next() < 0.3 ? int(0, length) : length;
      let x = s * 40;
      for (let i = 0; i < length; i++) {
        if (i > 0) x += aisles.has(i) ? int(2, 3) : 1;
        seats.push({
          id: `S${s}R${r}-${i}`,
          section: `S${s}`,
          row: `R${String(r).padStart(2, '0')}`,
          order: i,
          x,
          y: r + s * 10,
          ticketTypeId: i >= vFrom ? 'V' : 'T',
          accessible: next() < 0.1,
          free: next() < 0.75,
        });
      }
    }
  }
  return seats;
}

/** How many runs of adjacent seats a choice makes (the pieces of a split are never adjacent). */
function piecesOf(ids: readonly string[], at: Map<string, SeatInput>): number {
  const seats = ids.flatMap((id) => at.get(id) ?? []);
  seats.sort((a, b) =>
    a.section !== b.section
      ? a.section < b.section
        ? -1
        : 1
      : a.row !== b.row
        ? a.row < b.row
          ? -1
          : 1
        : a.x - b.x,
  );
  return seats.filter((s, i) => {
    const p = seats[i - 1];
    return !p || p.section !== s.section || p.row !== s.row || s.x - p.x !== 1;
  }).length;
}

type Outcome = 'best' | 'split' | 'not-together' | 'sold-out' | 'seats' | 'release';

describe('seat index: random halls and request sequences', () => {
  it('never chooses a seat twice, and chooses as the brute force does', () => {
    const problems: string[] = [];
    const outcomes = new Map<Outcome, number>();
    const count = (o: Outcome) => outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed);
      const seats = randomHall(next);
      const focus = { x: next() * 60, y: next() * 20 - 2 };
      const index = createSeatIndex(seats, focus);
      const hall = oracleHall(seats, focus);
      const at = new Map(seats.map((s) => [s.id, s]));
      const free = new Set(seats.filter((s) => s.free).map((s) => s.id));
      for (let step = 0; step < 150; step++) {
        const where = `seed ${seed} step ${step}`;
        const problem = (what: string) => problems.push(`${where}: ${what}`);
        const roll = next();
        if (roll < 0.15) {
          // Specific seats: all or none, the answer listing those not free.
          const ids = Array.from({ length: 1 + Math.floor(next() * 3) }, () =>
            next() < 0.05 ? 'nowhere' : (seats[Math.floor(next() * seats.length)]?.id ?? ''),
          );
          const missing = [...new Set(ids)].filter((id) => !free.has(id));
          const answer = index.takeSeats(ids);
          if (JSON.stringify(answer) !== JSON.stringify(missing)) {
            problem(`takeSeats ${ids} answered ${answer}, not ${missing}`);
          }
          if (missing.length === 0) for (const id of ids) free.delete(id);
          count('seats');
          continue;
        }
        if (roll < 0.25) {
          const taken = seats.filter((s) => !free.has(s.id) && next() < 0.3).map((s) => s.id);
          const released = index.release(taken);
          if (released !== taken.length) problem(`released ${released} of ${taken.length}`);
          for (const id of taken) free.add(id);
          count('release');
          continue;
        }
        const request: SeatRequest = {
          ticketTypeId: next() < 0.8 ? 'T' : 'V',
          count: 1 + Math.floor(next() * 5),
          together: next() < 0.7,
          ...(next() < 0.1 && { accessible: true }),
        };
        const asked = `${JSON.stringify(request)}: `;
        const ofType = seats.filter(
          (s) => free.has(s.id) && s.ticketTypeId === request.ticketTypeId,
        );
        const answer = index.bestAvailable(request);
        if (
          ofType.length < request.count ||
          (request.accessible && !ofType.some((s) => s.accessible))
        ) {
          if (answer !== 'sold-out') problem(`${asked}${answer}, not sold-out`);
          count('sold-out');
          continue;
        }
        // The rules' phases: accessible seats for a group that needs one; else seats that are
        // not accessible, together then split, then any seats, together then split.
        const phases = request.accessible ? (['accessible'] as const) : (['plain', 'any'] as const);
        let expected: string[] | 'split' | undefined;
        let splitMode: 'plain' | 'any' = 'any';
        for (const mode of phases) {
          expected = oracleBest(hall, free, request.ticketTypeId, request.count, mode);
          if (expected) break;
          const usable = ofType.filter((s) => mode !== 'plain' || !s.accessible).length;
          if (!request.together && (mode === 'accessible' || usable >= request.count)) {
            expected = 'split';
            if (mode !== 'accessible') splitMode = mode;
            break;
          }
        }
        if (!expected) {
          if (answer !== 'not-together') problem(`${asked}${answer}, not not-together`);
          count('not-together');
          continue;
        }
        if (typeof answer === 'string') {
          problem(`${asked}${answer}, not seats`);
          continue;
        }
        count(expected === 'split' ? 'split' : 'best');
        if (expected !== 'split' && piecesOf(answer, at) !== 1) problem(`${asked}${answer}: apart`);
        if (expected !== 'split' && answer.join() !== expected.join()) {
          problem(`${asked}${answer}, not ${expected}`);
        }
        if (new Set(answer).size !== request.count) problem(`${asked}${answer}: not distinct`);
        for (const id of answer) {
          if (!free.has(id)) problem(`${asked}${id} was not free`);
          if (at.get(id)?.ticketTypeId !== request.ticketTypeId) problem(`${asked}${id}: type`);
        }
        const accessible = answer.filter((id) => at.get(id)?.accessible).length;
        if (request.accessible && accessible === 0) problem(`${asked}${answer}: none accessible`);
        if (expected === 'split' && !request.accessible) {
          if (splitMode === 'plain' && accessible > 0) problem(`${asked}${answer}: accessible`);
          const fewest = fewestPieces(hall, free, request.ticketTypeId, request.count, splitMode);
          const pieces = piecesOf(answer, at);
          if (pieces !== fewest) problem(`${asked}${answer}: ${pieces} pieces, not ${fewest}`);
        }
        for (const id of answer) free.delete(id);
      }
      for (const seat of seats) {
        if (index.seat(seat.id)?.free !== free.has(seat.id))
          problems.push(`seed ${seed}: ${seat.id}`);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    console.info(`random halls, 60 × 150 steps: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });
});
