import type { Booking } from '@evently/contracts';
import { TEST_REDIS_URL } from '@evently/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { payFor } from './payments.js';
import { paidEvent, until } from './payments.stripe.fixtures.js';
import {
  deliver,
  paymentIntentSucceeded,
  type StripeEndpoint,
  signedDelivery,
  startStripeEndpoint,
} from './stripe-endpoint.js';
import { type WorkerProcess, workerProcess } from './worker-process.js';

/** Bookings paid through Stripe, and by hand (cash at the door). */
const STRIPE_PAID = 60;
const CASH_PAID = 10;
/** Stripe answers each refund this late: the worker is killed with refunds made but unheard. */
const STRIPE_ANSWERS_MS = 150;
/** The worker's own pass issues what its killed predecessor left (every 60 s, 30 s settle). */
const RECOVERY_MS = 150_000;

// Issue 16: an event cancellation refunds every paid booking once, with the worker process
// (`pnpm start:worker`, Stripe configured) SIGKILLed while it is issuing the refunds — some
// made at Stripe and not yet heard of, some not asked yet. The next worker finishes the job by
// itself: every paid booking ends with exactly one refund of what it paid, each Stripe payment
// refunded once at Stripe (the refund id is the idempotency key), each cash one waiting for a
// manager, and `refund.succeeded` once per Stripe refund.
describe('an event cancellation with the worker killed mid-way through its refunds', () => {
  let endpoint: StripeEndpoint;
  let app: TestApp;
  let worker: WorkerProcess;
  let organizer: SignedUp;
  let buyers: SignedUp[];
  const db = () => app.db.handle.db;

  beforeAll(async () => {
    endpoint = await startStripeEndpoint();
    app = await startTestApp({ worker: false, stripe: endpoint.config });
    worker = workerProcess({
      DATABASE_URL: app.db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: app.redisPrefix,
      SMTP_URL: app.smtp.url,
      LOG_LEVEL: 'info',
      ...endpoint.env,
    });
    await worker.start();
    organizer = await app.signUp({ role: 'organizer' });
    buyers = await Promise.all(Array.from({ length: 7 }, () => app.signUp()));
  }, 120_000);
  afterAll(async () => {
    await worker?.kill();
    await app?.close();
    await endpoint?.close();
  });

  const buyer = (i: number): SignedUp => {
    const found = buyers[i % buyers.length];
    if (!found) throw new Error('no buyers');
    return found;
  };

  /** A hold of 1–2 seats paid through Stripe: checkout, the buyer pays, the signed webhook. */
  async function stripePaid(eventId: string, i: number): Promise<Booking> {
    const client = buyer(i).client;
    const hold = await client.bookings.create.mutate({ eventId, quantity: 1 + (i % 2) });
    const checkout = await client.payments.createCheckout.mutate({ bookingId: hold.id });
    const event = paymentIntentSucceeded(endpoint.pay(checkout.paymentIntentId));
    const answer = await deliver(app.url, signedDelivery(event, endpoint.webhookSecret));
    expect(answer).toMatchObject({ status: 200, body: { outcome: 'confirmed' } });
    return hold;
  }

  it('refunds every paid booking once, in full, and Stripe once per payment', async () => {
    const event = await paidEvent(organizer.client, {
      capacity: 200,
      maxPerBooking: 2,
      cancellationPolicy: { feePercent: 20 },
    });
    const stripe: Booking[] = [];
    for (let i = 0; i < STRIPE_PAID; i++) stripe.push(await stripePaid(event.id, i));
    const cash: Booking[] = [];
    for (let i = 0; i < CASH_PAID; i++) {
      const hold = await buyer(i).client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
      cash.push(await payFor(organizer.client, hold));
    }
    const unpaid = await buyer(0).client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const paid = [...stripe, ...cash];

    endpoint.answerLate(STRIPE_ANSWERS_MS, { path: '/v1/refunds' });
    await organizer.client.events.cancel.mutate({ id: event.id, reason: 'Roof leak' });
    // Mid-way: Stripe has made some refunds, and not all of them.
    await until(
      async () => endpoint.refunds().length,
      (n) => n >= 3,
      60_000,
    );
    await worker.kill();
    const madeBeforeKill = endpoint.refunds().length;
    expect(madeBeforeKill).toBeLessThan(STRIPE_PAID);
    await worker.start();

    const settled = await until(
      () =>
        db()
          .selectFrom('refunds')
          .select(['status', 'provider'])
          .where('event_id', '=', event.id)
          .execute(),
      (rows) =>
        rows.length === paid.length &&
        rows.filter((r) => r.provider === 'stripe' && r.status === 'succeeded').length ===
          STRIPE_PAID,
      RECOVERY_MS,
    );
    expect(settled.filter((r) => r.provider === 'manual' && r.status === 'pending')).toHaveLength(
      CASH_PAID,
    );

    // One refund per paid booking, of everything it paid (no fee: the event was cancelled).
    const refunds = await db()
      .selectFrom('refunds as r')
      .innerJoin('payments as p', 'p.id', 'r.payment_id')
      .select(['r.booking_id', 'r.amount_cents', 'p.amount_cents as paid', 'p.reference'])
      .where('r.event_id', '=', event.id)
      .execute();
    const byBooking = new Map(refunds.map((r) => [r.booking_id, r]));
    expect(byBooking.size).toBe(paid.length);
    for (const booking of paid) {
      expect(byBooking.get(booking.id)?.amount_cents).toBe(String(booking.totalCents));
    }
    expect(byBooking.has(unpaid.id)).toBe(false);

    // At Stripe: one refund per PaymentIntent, of its whole amount, however often it was asked.
    const atStripe = endpoint.refunds();
    expect(atStripe).toHaveLength(STRIPE_PAID);
    const intents = new Map<string, number>();
    for (const r of atStripe)
      intents.set(r.payment_intent, (intents.get(r.payment_intent) ?? 0) + 1);
    expect([...intents.values()].every((n) => n === 1)).toBe(true);
    for (const r of refunds.filter((x) => x.reference.startsWith('pi_'))) {
      expect(atStripe.find((s) => s.payment_intent === r.reference)?.amount).toBe(Number(r.paid));
    }
    const asked = endpoint.callsTo('POST', '/v1/refunds');
    expect(new Set(asked.map((c) => c.idempotencyKey)).size).toBe(STRIPE_PAID);

    const succeeded = await sql<{ n: string }>`
      SELECT count(*) AS n FROM outbox o JOIN refunds r ON r.id = o.aggregate_id::uuid
      WHERE o.topic = 'refund.succeeded' AND r.event_id = ${event.id}`.execute(db());
    expect(Number(succeeded.rows[0]?.n)).toBe(STRIPE_PAID);
    // How the run went, for the log.
    console.info(
      `payments fault: ${madeBeforeKill} of ${STRIPE_PAID} Stripe refunds made before the kill; ` +
        `${asked.length} refund calls in all (${asked.filter((c) => c.replayed).length} replayed)`,
    );
  }, 300_000);
});
