import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@evently/db';
import { type EventlyClient, TRPCClientError } from '@evently/sdk';
import type { Kysely } from 'kysely';
import { seededRandom } from './booking-mix.js';

/** Refusals a sale may answer; anything else that is not `ok` is retryable or a failure. */
const REFUSALS = new Set(['SOLD_OUT', 'QUANTITY_LIMIT_EXCEEDED', 'INVALID_STATE']);
/** Answers a caller may retry: the API said so, or said nothing at all. */
const RETRYABLE = /^(SERVICE_UNAVAILABLE|no answer)/;

export interface SaleEvent {
  id: string;
  /** Paid events book a hold that its organizer then marks paid, which confirms it. */
  priced: boolean;
  capacity: number;
  maxPerBooking: number;
  /** A paid event's organizer (a manager of its organization): one client per API process. */
  organizer?: readonly EventlyClient[];
}

/** A signed-in buyer with one client per API process. */
export interface Buyer {
  userId: string;
  clients: readonly EventlyClient[];
}

/** One booking call under one idempotency key, with every answer it got (retries included). */
export interface SaleCall {
  key: string;
  buyer: Buyer;
  eventId: string;
  quantity: number;
  answers: string[];
  /** The booking the API answered with (on the first try or a retry). */
  bookingId?: string;
  /** What it costs (what the payment must be), as the booking was answered. */
  total?: { amountCents: number; currency: string };
  /** Paid: whether its payment (the organizer's `payments.markPaid`) was answered ok. */
  confirmed?: boolean;
}

/** One answer as it came: to which call, through which process, and when it was asked. */
export interface HeardAnswer {
  answer: string;
  /** The buyer's booking call, or the organizer's payment of its hold (which confirms it). */
  what: 'create' | 'pay';
  eventId: string;
  /** The index of the caller's client (its API process) that answered. */
  via: number;
  /** Date.now() when the request was sent. */
  askedAt: number;
}

/** The answer of a failed call: its appCode, or `no answer (…)` when none came back. */
export function answerOf(error: unknown): string {
  const code =
    error instanceof TRPCClientError
      ? (error.data as { appCode?: string } | undefined)?.appCode
      : undefined;
  return code ?? `no answer (${error instanceof Error ? error.message : String(error)})`;
}

export const isDefinite = (answer: string) => answer === 'ok' || REFUSALS.has(answer);
export const isRetryable = (answer: string) => RETRYABLE.test(answer);

/**
 * A flash sale: `concurrency` callers book the given events back to back through random API
 * processes, each call under an idempotency key of its own, and the holds they get on paid events
 * are confirmed the way a paid seat is: its organizer marks it paid (`payments.markPaid`, the
 * exact total), through a random API process too. Every answer is kept, so that afterwards the
 * calls left without a definite one can be retried under the same key (`settle`) and the books
 * compared with what callers heard.
 */
export function createFlashSale(options: {
  seed: number;
  buyers: readonly Buyer[];
  events: readonly SaleEvent[];
  concurrency: number;
  /** Hears every answer as it comes (a booking call's or a payment's), retries included. */
  onAnswer?: (heard: HeardAnswer) => void;
}) {
  const rand = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  /** One of `clients`, and a function that reports the answer it gave. */
  const through = (
    clients: readonly EventlyClient[],
    call: SaleCall,
    what: HeardAnswer['what'],
  ) => {
    const via = Math.floor(rand() * clients.length);
    const askedAt = Date.now();
    return {
      client: clients[via] as EventlyClient,
      heard: (answer: string) =>
        options.onAnswer?.({ answer, what, eventId: call.eventId, via, askedAt }),
    };
  };
  const calls: SaleCall[] = [];
  const soldOut = new Set<string>();
  const organizerOf = (call: SaleCall): readonly EventlyClient[] => {
    const organizer = options.events.find((e) => e.id === call.eventId)?.organizer;
    if (!organizer?.length) throw new Error(`paid event ${call.eventId} has no organizer`);
    return organizer;
  };

  /** The organizer marks the call's hold paid (its exact total), which confirms it. */
  async function pay(call: SaleCall): Promise<string> {
    const { client, heard } = through(organizerOf(call), call, 'pay');
    let answer: string;
    try {
      await client.payments.markPaid.mutate({
        bookingId: call.bookingId ?? '',
        amountCents: call.total?.amountCents ?? 0,
        currency: call.total?.currency ?? '',
        method: 'card',
        reference: `sale-${call.key}`,
      });
      call.confirmed = true;
      answer = 'ok';
    } catch (error) {
      answer = answerOf(error);
    }
    heard(answer);
    return answer;
  }

  /** One try of a call (under its key); resolves the answer, also kept on the call. */
  async function attempt(call: SaleCall): Promise<string> {
    const { client, heard } = through(call.buyer.clients, call, 'create');
    let answer: string;
    try {
      const booking = await client.bookings.create.mutate({
        eventId: call.eventId,
        quantity: call.quantity,
        idempotencyKey: call.key,
      });
      call.bookingId = booking.id;
      call.total = { amountCents: booking.totalCents, currency: booking.currency };
      answer = 'ok';
    } catch (error) {
      answer = answerOf(error);
      // Sold out for good, not just short of this quantity.
      const details = error instanceof TRPCClientError ? error.data?.details : undefined;
      if (answer === 'SOLD_OUT' && (details as { available?: unknown })?.available === 0) {
        soldOut.add(call.eventId);
      }
    }
    call.answers.push(answer);
    heard(answer);
    return answer;
  }

  return {
    calls,
    /** True once every event answered SOLD_OUT with no seat left. */
    get soldOut() {
      return soldOut.size === options.events.length;
    },
    /**
     * Books until `keepGoing()` says stop or every event is sold out. A caller told to retry (or
     * told nothing) tries the same call again under its key after a short backoff, as a client
     * would, until it gets a definite answer or the sale stops.
     */
    async run(keepGoing: () => boolean): Promise<void> {
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (keepGoing() && soldOut.size < options.events.length) {
            const live = options.events.filter((e) => !soldOut.has(e.id));
            const event = pick(live);
            const call: SaleCall = {
              key: randomUUID(),
              buyer: pick(options.buyers),
              eventId: event.id,
              quantity: 1 + Math.floor(rand() * event.maxPerBooking),
              answers: [],
            };
            calls.push(call);
            let answer = await attempt(call);
            while (!isDefinite(answer) && keepGoing()) {
              await sleep(50 + rand() * 100);
              answer = await attempt(call);
            }
            if (answer === 'ok' && event.priced) await pay(call);
          }
        }),
      );
    },
    /**
     * After the faults: every call without a definite answer is tried again under its own key
     * (an idempotent retry: it finds the booking its first try made, if any), and every hold a
     * caller knows of is paid (so confirmed). Fails if an answer stays indefinite for `forMs`.
     */
    async settle(forMs = 60_000): Promise<void> {
      const deadline = Date.now() + forMs;
      const needsConfirm = (c: SaleCall) =>
        c.bookingId !== undefined &&
        !c.confirmed &&
        options.events.find((e) => e.id === c.eventId)?.priced === true;
      const pending = () =>
        calls.filter((c) => !isDefinite(c.answers.at(-1) ?? 'none') || needsConfirm(c));
      for (let left = pending(); left.length > 0; left = pending()) {
        if (Date.now() > deadline) {
          throw new Error(
            `${left.length} calls without a definite answer: ${JSON.stringify(left.slice(0, 3).map((c) => c.answers))}`,
          );
        }
        // As many at once as the sale had callers.
        let next = 0;
        await Promise.all(
          Array.from({ length: options.concurrency }, async () => {
            for (let call = left[next++]; call; call = left[next++]) {
              if (!isDefinite(call.answers.at(-1) ?? 'none')) await attempt(call);
              if (needsConfirm(call)) {
                const answer = await pay(call);
                // A payment whose answer was lost: the hold is paid (so confirmed) already.
                if (answer === 'INVALID_STATE') call.confirmed = true;
              }
            }
          }),
        );
        await sleep(200);
      }
    },
    /** How often each answer was heard, e.g. `{ ok: 90, SERVICE_UNAVAILABLE: 400 }`. */
    answerCounts(): Record<string, number> {
      const counts: Record<string, number> = {};
      for (const answer of calls.flatMap((c) => c.answers)) {
        const kind = answer.startsWith('no answer') ? 'no answer' : answer;
        counts[kind] = (counts[kind] ?? 0) + 1;
      }
      return counts;
    },
  };
}

/**
 * The books against what callers heard: every booking a caller was told of exists as told, and
 * every booking that exists was told to its caller (on the first try or an idempotent retry
 * under the same key); none answered twice. Resolves the problems found.
 */
export async function phantomProblems(
  db: Kysely<Database>,
  calls: readonly SaleCall[],
  eventIds: readonly string[],
): Promise<string[]> {
  const problems: string[] = [];
  const rows = await db
    .selectFrom('bookings')
    .select(['id', 'user_id', 'event_id', 'quantity'])
    .where('event_id', 'in', eventIds)
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const told = new Set<string>();
  for (const call of calls) {
    if (call.bookingId === undefined) continue;
    if (told.has(call.bookingId)) problems.push(`booking ${call.bookingId} answered to two calls`);
    told.add(call.bookingId);
    const row = byId.get(call.bookingId);
    if (!row) problems.push(`told ok but missing: ${call.bookingId} (${call.answers.join(', ')})`);
    else if (
      row.user_id !== call.buyer.userId ||
      row.event_id !== call.eventId ||
      row.quantity !== call.quantity
    ) {
      problems.push(`booking ${row.id} is not the one asked for under key ${call.key}`);
    }
  }
  for (const row of rows) {
    if (!told.has(row.id)) problems.push(`booking ${row.id} exists but no caller was told`);
  }
  return problems;
}
