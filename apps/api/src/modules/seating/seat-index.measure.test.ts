import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createSeatIndex, type SeatInput, type SeatRequest } from './seat-index.js';

// How fast the index decides, printed for the record: a 10,000-seat arena sold out by
// best-available pairs in batches of 500, and a 100,000-seat hall sold out by mixed groups.
// No figure is asserted but a very generous bound: the CI machine may be busy.

const BATCH = 500;

/** Four stands of 25 rows × 100 seats around a central stage, aisles every 20 seats. */
function arena(): SeatInput[] {
  const seats: SeatInput[] = [];
  for (const [stand, [ux, uy]] of [
    ['N', [1, 0]],
    ['E', [0, 1]],
    ['S', [-1, 0]],
    ['W', [0, -1]],
  ] as const) {
    for (let r = 0; r < 25; r++) {
      for (let i = 0; i < 100; i++) {
        // Along the row, with an aisle's width after every 20 seats; rows face the stage.
        const along = i - 50 + Math.floor(i / 20) * 1.5;
        const out = 12 + r;
        seats.push({
          id: `${stand}-${r}-${i}`,
          section: stand,
          row: String(r).padStart(2, '0'),
          order: i,
          x: ux * along - uy * out,
          y: uy * along + ux * out,
          ticketTypeId: r < 5 ? 'P' : 'T',
          accessible: r === 24 && i % 20 < 2,
          free: true,
        });
      }
    }
  }
  return seats;
}

/** Ten sections of 50 rows × 200 seats side by side, aisles every 25 seats. */
function bigHall(): SeatInput[] {
  const seats: SeatInput[] = [];
  for (let s = 0; s < 10; s++) {
    for (let r = 0; r < 50; r++) {
      for (let i = 0; i < 200; i++) {
        seats.push({
          id: `${s}-${r}-${i}`,
          section: `S${s}`,
          row: String(r).padStart(2, '0'),
          order: i,
          x: (s % 5) * 240 + i + Math.floor(i / 25) * 1.5,
          y: Math.floor(s / 5) * 60 + r,
          ticketTypeId: r < 10 ? 'P' : 'T',
          accessible: r % 10 === 9 && i % 25 === 0,
          free: true,
        });
      }
    }
  }
  return seats;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

/** Decides batches until every request of a batch is refused; the figures and the seats sold. */
function sellOut(seats: SeatInput[], focus: { x: number; y: number }, ask: () => SeatRequest) {
  let started = performance.now();
  const index = createSeatIndex(seats, focus);
  const build = performance.now() - started;
  // What the allocator pays when the event's version moves: the same build, warm.
  started = performance.now();
  createSeatIndex(seats, focus);
  const rebuild = performance.now() - started;
  const batches: number[] = [];
  const sold = new Set<string>();
  let requests = 0;
  let twice = 0;
  for (;;) {
    const batch = Array.from({ length: BATCH }, ask);
    started = performance.now();
    const answers = batch.map((r) => index.bestAvailable(r));
    batches.push(performance.now() - started);
    requests += batch.length;
    const seated = answers.flatMap((a) => (typeof a === 'string' ? [] : a));
    for (const id of seated) {
      if (sold.has(id)) twice++;
      sold.add(id);
    }
    if (seated.length === 0) break;
  }
  const total = batches.reduce((a, b) => a + b, 0);
  const sorted = [...batches].sort((a, b) => a - b);
  return {
    index,
    sold: sold.size,
    twice,
    total,
    line: `${seats.length} seats: index built in ${ms(build)} (again, warm: ${ms(rebuild)}); ${requests} requests in ${batches.length} batches of ${BATCH}: ${ms(total)} in all (${Math.round(requests / (total / 1000))} requests/s), batch median ${ms(sorted[sorted.length >> 1] ?? 0)}, worst ${ms(sorted[sorted.length - 1] ?? 0)}, first ${ms(batches[0] ?? 0)}`,
  };
}

describe('seat index: measured', () => {
  it('sells out a 10,000-seat arena by best-available pairs', () => {
    let n = 0;
    const run = sellOut(arena(), { x: 0, y: 0 }, () => ({
      ticketTypeId: n++ % 5 === 0 ? 'P' : 'T',
      count: 2,
      together: true,
    }));
    console.info(
      `arena, pairs: ${run.line}; ${run.sold} seats sold, ${run.index.freeCount('T') + run.index.freeCount('P')} left`,
    );
    expect(run.twice).toBe(0);
    expect(run.sold).toBeGreaterThan(9_500);
    expect(run.total).toBeLessThan(30_000);
  });

  it('sells out a 100,000-seat hall by groups of 1 to 4', () => {
    let n = 0;
    // A fixed cycle of groups: every tenth split if need be, every fiftieth accessible.
    const run = sellOut(bigHall(), { x: 600, y: -10 }, () => {
      n++;
      return {
        ticketTypeId: n % 5 === 0 ? 'P' : 'T',
        count: 1 + ((n * 7) % 4),
        together: n % 10 !== 0,
        ...(n % 50 === 0 && { accessible: true }),
      };
    });
    console.info(`hall, groups of 1-4: ${run.line}; ${run.sold} seats sold`);
    expect(run.twice).toBe(0);
    expect(run.sold).toBe(100_000);
    expect(run.total).toBeLessThan(60_000);
  });
});
