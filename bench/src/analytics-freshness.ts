// The freshness measurement of the analytics bench, whatever runs the server: SDK clients book
// free seats at a steady rate while an SSE client follows analytics.live; per event, the n-th
// booking answered is matched with the n-th seat the stream showed.
import type { EventlyClient } from '@evently/sdk';
import { epochNow, percentile, round, uptimeLoad } from './analytics-stages.js';

const MAX_IN_FLIGHT = 256;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface FreshnessRun {
  /** Bookings answered per second over the timed window. */
  bookingsPerSecond: number;
  bookings: number;
  failed: number;
  liveUpdates: number;
  /** answered -> shown on the stream, ms, sorted. */
  freshness: number[];
  /** When each booking was answered (epoch ms), by booking id. */
  answeredBooking: Map<string, number>;
  /** Per event: when the stream showed each seat (index = seat). */
  received: Map<string, number[]>;
  /** The 1/5/15-minute load averages before and after. */
  loadBefore: string;
  loadAfter: string;
  /** This (client) process's event loop utilisation and CPU share over the window. */
  clientBusy: number;
  clientCpu: number;
}

/**
 * Books seat after seat of `eventIds` (in turn) through `bookers` at `rate` a second for
 * `seconds`, while `live` follows analytics.live; waits (up to 60 s) for the stream to show every
 * answered seat.
 */
export async function driveFreshness(options: {
  bookers: readonly EventlyClient[];
  live: EventlyClient;
  eventIds: readonly string[];
  rate: number;
  seconds: number;
}): Promise<FreshnessRun> {
  const { bookers, eventIds, rate, seconds } = options;
  const answered = new Map<string, number[]>(eventIds.map((id) => [id, []]));
  const answeredBooking = new Map<string, number>();
  const shown = new Map<string, number>(eventIds.map((id) => [id, 0]));
  const received = new Map<string, number[]>(eventIds.map((id) => [id, []]));
  let liveUpdates = 0;
  const subscription = options.live.analytics.live.subscribe(
    {},
    {
      onData: ({ data }) => {
        const at = epochNow();
        liveUpdates += 1;
        const before = shown.get(data.eventId);
        if (before === undefined) return;
        const seen = received.get(data.eventId) ?? [];
        for (let seat = before; seat < data.ticketsSold; seat++) seen[seat] = at;
        shown.set(data.eventId, Math.max(before, data.ticketsSold));
      },
      onError: (error) => console.error('analytics.live failed', error),
    },
  );
  await sleep(500);

  let issued = 0;
  let inFlight = 0;
  let failed = 0;
  const book = (n: number) => {
    const eventId = eventIds[n % eventIds.length] ?? '';
    const client = bookers[n % bookers.length];
    inFlight += 1;
    client?.bookings.create
      .mutate({ eventId, quantity: 1 })
      .then((booking) => {
        const at = epochNow();
        answered.get(eventId)?.push(at);
        answeredBooking.set(booking.id, at);
      })
      .catch(() => {
        failed += 1;
      })
      .finally(() => {
        inFlight -= 1;
      });
  };
  const loadBefore = uptimeLoad();
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor((rate * (performance.now() - started)) / 1000);
    while (issued < due && inFlight < MAX_IN_FLIGHT) book(issued++);
    await sleep(5);
  }
  const elapsed = (performance.now() - started) / 1000;
  const clientBusy = performance.eventLoopUtilization(elu).utilization;
  const used = process.cpuUsage(cpu);
  while (inFlight > 0) await sleep(10);
  const bookings = [...answered.values()].reduce((n, a) => n + a.length, 0);
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const visible = [...shown.values()].reduce((n, s) => n + s, 0);
    if (visible >= bookings) break;
    await sleep(20);
  }
  subscription.unsubscribe();
  const freshness: number[] = [];
  for (const [eventId, answers] of answered) {
    const seen = received.get(eventId) ?? [];
    answers.sort((a, b) => a - b);
    answers.forEach((answer, seat) => {
      const at = seen[seat];
      // A seat shown before its answer came back counts 0.
      if (at !== undefined) freshness.push(Math.max(0, at - answer));
    });
  }
  return {
    bookingsPerSecond: Math.round(bookings / elapsed),
    bookings,
    failed,
    liveUpdates,
    freshness: freshness.sort((a, b) => a - b),
    answeredBooking,
    received,
    loadBefore,
    loadAfter: uptimeLoad(),
    clientBusy,
    clientCpu: (used.user + used.system) / 1_000 / (elapsed * 1_000),
  };
}

/** The freshness row of the report. */
export function freshnessRow(run: FreshnessRun): Record<string, number> {
  return {
    'bookings/s': run.bookingsPerSecond,
    bookings: run.bookings,
    failed: run.failed,
    'live updates': run.liveUpdates,
    measured: run.freshness.length,
    'p50 ms': round(percentile(run.freshness, 50)),
    'p90 ms': round(percentile(run.freshness, 90)),
    'p99 ms': round(percentile(run.freshness, 99)),
    'max ms': round(run.freshness.at(-1) ?? Number.NaN),
  };
}
