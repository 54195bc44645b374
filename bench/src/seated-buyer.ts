// How a buyer of the seated flash sale behaves (seating.bench.ts), whatever carries its calls (the
// plain HTTP driver or the SDK): it loops over parties of 1 to `maxGroup` seats, most asking to
// sit together; told SEATS_NOT_TOGETHER, a party shrinks by one or takes split seats (`together:
// false`), as a client would; told SOLD_OUT with seats still left (fewer than it asked), it tries
// another party; told SOLD_OUT with none left, it stops. One call in flight per buyer.
import { performance } from 'node:perf_hooks';

/** What a party asks for. */
export interface GroupAsk {
  quantity: number;
  together: boolean;
}

/** What one `bookings.create` came to. */
export interface SeatedAnswer {
  /** `booked`, the refusal's appCode, or what went wrong without one (`HTTP 502`, `network: …`). */
  answer: string;
  /** SOLD_OUT's `details.available`. */
  available?: number;
  bookingId?: string;
  seatIds?: string[];
}

/** A booking a buyer was told it got. */
export interface SeatedBooking extends GroupAsk {
  bookingId: string;
  seatIds: string[];
}

export interface SaleRun {
  bookings: SeatedBooking[];
  /** Every answer heard, by kind (a refusal's appCode). */
  answers: Record<string, number>;
  /** Buyers that stopped on an answer the sale does not expect, or still buying at their limit. */
  unfinished: number;
  /** Latency of each call answered with a booking, ms, sorted. */
  latenciesMs: number[];
  /** Date.now() when the first call was sent, and when the last booking's answer arrived. */
  startedAtMs: number;
  lastSaleAtMs: number;
  /** Date.now() once every buyer had stopped. */
  endedAtMs: number;
}

export interface BuyerOptions {
  maxGroup: number;
  /** The share of parties that ask to sit together. */
  togetherShare: number;
  /** A buyer still buying after this many calls stops (a stuck sale fails the check, not hangs). */
  maxCalls: number;
}

export const BUYER_DEFAULTS: BuyerOptions = { maxGroup: 4, togetherShare: 0.85, maxCalls: 500 };

/** `buyers` buyers, all at once, each calling `ask` as it decides; resolves when all stopped. */
export async function runBuyers(
  buyers: number,
  ask: (buyer: number, group: GroupAsk) => Promise<SeatedAnswer>,
  options: BuyerOptions,
): Promise<SaleRun> {
  const run: SaleRun = {
    bookings: [],
    answers: {},
    unfinished: 0,
    latenciesMs: [],
    startedAtMs: Date.now(),
    lastSaleAtMs: 0,
    endedAtMs: 0,
  };
  const party = (): GroupAsk => ({
    quantity: 1 + Math.floor(Math.random() * options.maxGroup),
    together: Math.random() < options.togetherShare,
  });

  async function buyer(index: number): Promise<void> {
    let group = party();
    for (let made = 0; made < options.maxCalls; made++) {
      const t0 = performance.now();
      const heard = await ask(index, group);
      run.answers[heard.answer] = (run.answers[heard.answer] ?? 0) + 1;
      if (heard.answer === 'booked') {
        run.latenciesMs.push(performance.now() - t0);
        run.lastSaleAtMs = Date.now();
        run.bookings.push({
          ...group,
          bookingId: heard.bookingId ?? '',
          seatIds: heard.seatIds ?? [],
        });
        group = party();
      } else if (heard.answer === 'SOLD_OUT' && heard.available !== undefined) {
        if (heard.available === 0) return;
        group = party();
      } else if (heard.answer === 'SEATS_NOT_TOGETHER' && group.together) {
        group =
          group.quantity > 1 && Math.random() < 0.5
            ? { quantity: group.quantity - 1, together: true }
            : { quantity: group.quantity, together: false };
      } else {
        run.unfinished += 1;
        return;
      }
    }
    run.unfinished += 1;
  }

  await Promise.all(Array.from({ length: buyers }, (_, i) => buyer(i)));
  run.endedAtMs = Date.now();
  run.latenciesMs.sort((a, b) => a - b);
  return run;
}
