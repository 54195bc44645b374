import { randomUUID } from 'node:crypto';
import type { Booking, EventInput } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { EventlyClient } from '@evently/sdk';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, expect } from 'vitest';
import { BOOKING_JOBS_QUEUE, EXPIRE_JOB } from '../src/modules/bookings/hold-expiry.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp, type TestAppOptions } from './harness.js';
import {
  deliver,
  paymentIntentSucceeded,
  type StripeEndpoint,
  signedDelivery,
  startStripeEndpoint,
} from './stripe-endpoint.js';

/** The app's clock: real time plus an offset the test moves forward (never sleeps for it). */
export interface TestClock {
  now: () => Date;
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance(ms) {
      offset += ms;
    },
  };
}

export interface StripeCast {
  app: TestApp;
  endpoint: StripeEndpoint;
  clock: TestClock;
  organizer: SignedUp;
  buyer: SignedUp;
  /** Another attendee (someone else taking seats, or a stranger to the buyer's booking). */
  other: SignedUp;
  db: Kysely<Database>;
}

/**
 * Registers, in the calling describe, a Stripe endpoint and an app wired to it (API and worker
 * in process, on a clock the test moves), with an organizer and two attendees signed up.
 */
export function useStripeApp(
  options: Omit<TestAppOptions, 'stripe' | 'now'> = {},
): () => StripeCast {
  let cast: StripeCast | undefined;
  let endpoint: StripeEndpoint | undefined;
  let app: TestApp | undefined;
  beforeAll(async () => {
    endpoint = await startStripeEndpoint();
    const clock = testClock();
    app = await startTestApp({ ...options, stripe: endpoint.config, now: clock.now });
    const [organizer, buyer, other] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp({ name: 'Bea Buyer' }),
      app.signUp(),
    ]);
    cast = { app, endpoint, clock, organizer, buyer, other, db: app.db.handle.db };
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await endpoint?.close();
  });
  return () => {
    if (!cast) throw new Error('the cast starts in beforeAll');
    return cast;
  };
}

/** A published paid event (1500 cents a seat in EUR unless overridden). */
export async function paidEvent(organizer: EventlyClient, overrides: Partial<EventInput> = {}) {
  const event = await organizer.events.create.mutate(
    eventInput({ title: `Stripe ${randomUUID().slice(0, 8)}`, ...overrides }),
  );
  return organizer.events.publish.mutate({ id: event.id });
}

/** A hold and its PaymentIntent at the endpoint (made through `payments.createCheckout`). */
export async function holdWithCheckout(buyer: EventlyClient, eventId: string, quantity = 2) {
  const booking = await buyer.bookings.create.mutate({ eventId, quantity });
  const checkout = await buyer.payments.createCheckout.mutate({ bookingId: booking.id });
  return { booking, checkout };
}

/** The buyer pays the PaymentIntent, and Stripe delivers `payment_intent.succeeded` to `apiUrl`. */
export async function payThroughStripe(
  cast: Pick<StripeCast, 'endpoint'>,
  apiUrl: string,
  paymentIntentId: string,
) {
  const event = paymentIntentSucceeded(cast.endpoint.pay(paymentIntentId));
  const answer = await deliver(apiUrl, signedDelivery(event, cast.endpoint.webhookSecret));
  return { event, answer };
}

/** A confirmed booking paid through Stripe (checkout, payment, webhook). */
export async function stripePaidBooking(
  cast: StripeCast,
  eventId: string,
  quantity = 2,
): Promise<{ booking: Booking; paymentIntentId: string }> {
  const { booking, checkout } = await holdWithCheckout(cast.buyer.client, eventId, quantity);
  const { answer } = await payThroughStripe(cast, cast.app.url, checkout.paymentIntentId);
  expect(answer).toMatchObject({ status: 200, body: { outcome: 'confirmed' } });
  return {
    booking: await cast.buyer.client.bookings.get.query({ bookingId: booking.id }),
    paymentIntentId: checkout.paymentIntentId,
  };
}

/**
 * Everything a payment may change about a booking, read in SQL: its status, payments, refunds,
 * the outbox events naming it (in order), its audit actions, and the Stripe events handled.
 */
export async function ledgerOf(db: Kysely<Database>, bookingId: string) {
  const [booking, payments, refunds, outbox, audits, stripeEvents] = await Promise.all([
    db
      .selectFrom('bookings')
      .select('status')
      .where('id', '=', bookingId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('payments')
      .select([
        'id',
        'provider',
        'method',
        'amount_cents',
        'refunded_cents',
        'currency',
        'reference',
      ])
      .where('booking_id', '=', bookingId)
      .orderBy('at')
      .execute(),
    db
      .selectFrom('refunds')
      .select(['id', 'payment_id', 'provider', 'amount_cents', 'status', 'reference', 'last_error'])
      .where('booking_id', '=', bookingId)
      .orderBy('requested_at')
      .execute(),
    db
      .selectFrom('outbox')
      .select(['topic', 'aggregate_id', 'payload'])
      .where((eb) =>
        eb.or([eb('aggregate_id', '=', bookingId), eb(sql`payload->>'bookingId'`, '=', bookingId)]),
      )
      .orderBy('seq')
      .execute(),
    db
      .selectFrom('audit_log')
      .select(['entity', 'action'])
      .where((eb) =>
        eb.or([
          eb('entity_id', '=', bookingId),
          eb(
            'entity_id',
            'in',
            eb
              .selectFrom('payments')
              .select(sql<string>`id::text`.as('id'))
              .where('booking_id', '=', bookingId),
          ),
          eb(
            'entity_id',
            'in',
            eb
              .selectFrom('refunds')
              .select(sql<string>`id::text`.as('id'))
              .where('booking_id', '=', bookingId),
          ),
        ]),
      )
      .orderBy('seq')
      .execute(),
    db
      .selectFrom('stripe_events')
      .select(['id', 'type', 'outcome'])
      .orderBy('received_at')
      .execute(),
  ]);
  return {
    status: booking.status,
    payments,
    refunds,
    topics: outbox.map((o) => o.topic),
    outbox,
    audits: audits.map((a) => `${a.entity}:${a.action}`),
    stripeEvents,
  };
}

/** `topic` appears `n` times in a ledger's outbox events. */
export const countOf = (topics: readonly string[], topic: string) =>
  topics.filter((t) => t === topic).length;

/** The seats an event has sold and held, as its inventory row says. */
export function inventoryOf(db: Kysely<Database>, eventId: string) {
  return db
    .selectFrom('event_inventory')
    .select(['confirmed', 'held'])
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
}

/** Polls until `read` satisfies `check` (generous: the worker shares two loaded cores). */
export async function until<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`not reached in ${timeoutMs} ms; last seen: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A mail subject (a template's constant) as a pattern for `app.mail`. */
export const subjectPattern = (subject: string) =>
  new RegExp(`^${subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/** Moves the clock past a hold of `holdMinutes` and lets the worker's expiry job expire it. */
export async function expireHold(c: StripeCast, bookingId: string, holdMinutes: number) {
  c.clock.advance((holdMinutes + 1) * 60_000);
  await c.app.platform.queue.add(BOOKING_JOBS_QUEUE, {
    name: EXPIRE_JOB,
    data: { bookingId },
    options: { jobId: `expire.${bookingId}.late` },
  });
  await until(
    () => ledgerOf(c.db, bookingId),
    (l) => l.status === 'expired',
  );
}
