import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EventlyClient, TRPCClientError } from '@evently/sdk';
import { eventInput } from './event-input.js';

/** mulberry32: a seeded generator, so a failing mix can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Refusals the rules allow for a random mix; anything else fails the mix. A payment for a hold
 * that expired meanwhile sells it again or is refused (SOLD_OUT, …, nothing recorded); an
 * attendee cancelling after an event's deadline gets CANCELLATION_CLOSED.
 */
const EXPECTED_REFUSALS = new Set([
  'SOLD_OUT',
  'INVALID_STATE',
  'BOOKING_EXPIRED',
  'EVENT_NOT_BOOKABLE',
  'QUANTITY_LIMIT_EXCEEDED',
  'CANCELLATION_CLOSED',
]);

function appCodeOf(error: unknown): string | undefined {
  return error instanceof TRPCClientError
    ? (error.data as { appCode?: string } | undefined)?.appCode
    : undefined;
}

/**
 * Retries a call that answers SERVICE_UNAVAILABLE (Redis away), as a client would, for up to
 * `forMs`. Creates and joins carry an idempotency key, so a retry never books twice.
 */
export async function whileUnavailable<T>(
  call: () => Promise<T>,
  options: { forMs?: number; onRetry?: () => void } = {},
): Promise<T> {
  const deadline = Date.now() + (options.forMs ?? 20_000);
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (appCodeOf(error) !== 'SERVICE_UNAVAILABLE' || Date.now() > deadline) throw error;
      options.onRetry?.();
      await sleep(50 + Math.random() * 100);
    }
  }
}

export interface MixEvent {
  id: string;
  /** The organizer's client (it may cancel the event). */
  organizer: EventlyClient;
}

/** Cancellation policies of the paid events, in turn: none, a fee, a deadline already past. */
const policies = [
  null,
  { feePercent: 15, feeCents: 37 },
  { attendeeMayCancelUntil: new Date(Date.now() - 3_600_000).toISOString() },
];

/**
 * `count` published events for a mix, the organizers taking turns: capacities of 4–33 seats,
 * a third free (confirmed at once), the rest paid with odd cents and a cancellation policy in
 * turn (none, a fee kept, attendees no longer cancel), at most 3 seats a booking.
 */
export async function createMixEvents(
  organizers: readonly EventlyClient[],
  count: number,
  rand: () => number,
): Promise<MixEvent[]> {
  const events: MixEvent[] = [];
  for (let i = 0; i < count; i++) {
    const organizer = organizers[i % organizers.length];
    if (!organizer) throw new Error('organizers expected');
    const event = await organizer.events.create.mutate(
      eventInput({
        capacity: 4 + Math.floor(rand() * 30),
        priceCents: i % 3 === 0 ? 0 : 100 + Math.floor(rand() * 9_000),
        maxPerBooking: 3,
        cancellationPolicy: i % 3 === 0 ? null : (policies[Math.floor(i / 3) % 3] ?? null),
      }),
    );
    await organizer.events.publish.mutate({ id: event.id });
    events.push({ id: event.id, organizer });
  }
  return events;
}

export interface BookingMix {
  /** Operations finished so far. */
  readonly done: number;
  /** `kind:outcome` -> count, e.g. `book:ok`, `confirm:paid`, `confirm:SOLD_OUT`, `cancel:idle`. */
  readonly outcomes: Map<string, number>;
  /** SERVICE_UNAVAILABLE answers the callers retried. */
  readonly retries: number;
  /** Runs `operations` operations, and on while `keepGoing()` says so. */
  run(keepGoing?: () => boolean): Promise<void>;
}

/**
 * A random mix of bookings, confirmations, cancellations (of holds, confirmed bookings and
 * waitlist offers), waitlist joins and — at evenly spread points — event cancellations, through
 * the API by `concurrency` callers at once. A paid hold is confirmed by its organizer marking it
 * paid (now and then by the organizer's override, without money); cancelling a paid booking
 * (by its buyer, less the event's fee, or by the organizer, in full) or its event records
 * refunds, some of which the organizer marks paid out. Holds lapse on their own (the caller sets
 * the hold time), so expiries happen too — and payments that come after them.
 */
export function createBookingMix(options: {
  seed: number;
  operations: number;
  concurrency: number;
  users: readonly EventlyClient[];
  events: readonly MixEvent[];
  eventCancellations: number;
  /** Operations started per second at most: spreads them over the faults (default: no limit). */
  perSecond?: number;
}): BookingMix {
  const rand = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => {
    const item = list[Math.floor(rand() * list.length)];
    if (item === undefined) throw new Error('empty list');
    return item;
  };
  const outcomes = new Map<string, number>();
  let done = 0;
  let retries = 0;
  const retry = <T>(call: () => Promise<T>) =>
    whileUnavailable(call, {
      onRetry: () => {
        retries += 1;
      },
    });
  const step = Math.floor(options.operations / (options.eventCancellations + 1));
  const cancelAt = new Set(
    Array.from({ length: options.eventCancellations }, (_, i) => (i + 1) * step),
  );
  const live = [...options.events];
  /**
   * Holds the mix never touches again, so they lapse however fast the machine confirms the rest:
   * the expiry path is reached by the seed, not by the machine being slow.
   */
  const abandoned = new Set<string>();
  const touchable = <T extends { id: string }>(items: readonly T[]) =>
    items.filter((b) => !abandoned.has(b.id));
  const organizerOf = (eventId: string): EventlyClient => {
    const event = options.events.find((e) => e.id === eventId);
    if (!event) throw new Error(`not an event of the mix: ${eventId}`);
    return event.organizer;
  };

  /** Runs one call through Redis outages; its outcome is what it answers ('idle', …) or 'ok'. */
  async function attempt(kind: string, call: () => Promise<string | undefined>): Promise<void> {
    let outcome = 'ok';
    try {
      outcome = (await retry(call)) ?? 'ok';
    } catch (error) {
      const code = appCodeOf(error);
      if (!code || !EXPECTED_REFUSALS.has(code)) throw error;
      outcome = code;
    }
    const key = `${kind}:${outcome}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }

  /** A free hold confirmed by its buyer; a paid one by its organizer: paid, or overridden. */
  async function confirmSomething(client: EventlyClient): Promise<string | undefined> {
    const items = touchable(
      (await retry(() => client.bookings.mine.query({ status: 'pending', limit: 20 }))).items,
    );
    if (items.length === 0) return 'idle';
    const booking = pick(items);
    const bookingId = booking.id;
    if (booking.totalCents === 0) {
      await retry(() => client.bookings.confirm.mutate({ bookingId }));
      return undefined;
    }
    const organizer = organizerOf(booking.eventId);
    if (rand() < 0.1) {
      await retry(() => organizer.bookings.confirm.mutate({ bookingId }));
      return 'override';
    }
    const method = pick(['cash', 'transfer', 'card', 'other'] as const);
    await retry(() =>
      organizer.payments.markPaid.mutate({
        bookingId,
        amountCents: booking.totalCents,
        currency: booking.currency,
        method,
        reference: `mix ${bookingId.slice(0, 8)}`,
      }),
    );
    return 'paid';
  }

  /** A hold or a confirmed booking cancelled by its buyer, or (a third of the time) its organizer. */
  async function cancelSomething(client: EventlyClient): Promise<string | undefined> {
    const status = rand() < 0.5 ? 'pending' : 'confirmed';
    const items = touchable(
      (await retry(() => client.bookings.mine.query({ status, limit: 20 }))).items,
    );
    if (items.length === 0) return 'idle';
    const booking = pick(items);
    const byOrganizer = rand() < 0.33;
    const by = byOrganizer ? organizerOf(booking.eventId) : client;
    await retry(() => by.bookings.cancel.mutate({ bookingId: booking.id }));
    return byOrganizer ? 'by-organizer' : undefined;
  }

  /** A pending refund of an event paid out by its organizer (outside Stripe). */
  async function payOutSomething(event: MixEvent): Promise<string | undefined> {
    const { items } = await retry(() =>
      event.organizer.refunds.list.query({ eventId: event.id, status: 'pending', limit: 20 }),
    );
    if (items.length === 0) return 'idle';
    const refundId = pick(items).id;
    await retry(() => event.organizer.refunds.markDone.mutate({ refundId, reference: 'bank' }));
    return undefined;
  }

  async function operation(index: number): Promise<void> {
    if (cancelAt.has(index) && live.length > 1) {
      const event = live.splice(Math.floor(rand() * live.length), 1)[0] as MixEvent;
      return attempt('cancel-event', async () => {
        await event.organizer.events.cancel.mutate({ id: event.id, reason: 'random mix' });
        return undefined;
      });
    }
    const user = pick(options.users);
    const event = pick(options.events);
    const roll = rand();
    if (roll < 0.42) {
      const input = { eventId: event.id, quantity: 1 + Math.floor(rand() * 3) };
      const idempotencyKey = randomUUID();
      const abandon = rand() < 0.15;
      return attempt('book', async () => {
        const booking = await user.bookings.create.mutate({ ...input, idempotencyKey });
        if (!abandon) return undefined;
        abandoned.add(booking.id);
        return 'abandoned';
      });
    }
    if (roll < 0.66) return attempt('confirm', () => confirmSomething(user));
    if (roll < 0.81) return attempt('cancel', () => cancelSomething(user));
    if (roll < 0.85) return attempt('pay-out', () => payOutSomething(event));
    const input = { eventId: event.id, quantity: 1 + Math.floor(rand() * 2) };
    const idempotencyKey = randomUUID();
    return attempt('join', async () => {
      await user.bookings.waitlist.join.mutate({ ...input, idempotencyKey });
      return undefined;
    });
  }

  return {
    get done() {
      return done;
    },
    outcomes,
    get retries() {
      return retries;
    },
    async run(keepGoing = () => false) {
      let next = 0;
      const started = Date.now();
      const interval = options.perSecond ? 1_000 / options.perSecond : 0;
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (next < options.operations || keepGoing()) {
            next += 1;
            const index = next;
            const wait = started + index * interval - Date.now();
            if (wait > 0) await sleep(wait);
            await operation(index);
            done += 1;
          }
        }),
      );
    },
  };
}
