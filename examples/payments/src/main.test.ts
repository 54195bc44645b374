import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  adminClient,
  type EmbeddedApi,
  publishEvent,
  runExample as runExampleIn,
  type StripeStub,
  signUp,
  signUpOrganizer,
  startEmbeddedApi,
  startStripeStub,
} from '@evently/examples-testing';
import type { EventlyClient } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, paymentIntentSucceeded, signDelivery } from './stripe-stand-in.js';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

describe('examples/payments against pnpm start (embedded) with Stripe configured', () => {
  const buyer = { email: 'bea@example.com', password: 'a long passphrase for bea' };
  // The API's official Stripe library calls a local stand-in for api.stripe.com (STRIPE_API_URL);
  // Stripe's webhook is played by the example, signed with the same STRIPE_WEBHOOK_SECRET.
  let stripe: StripeStub;
  let api: EmbeddedApi;
  let organizer: EventlyClient;
  let bea: EventlyClient;
  let eventId: string;

  const runExample = (args: string[], env: Record<string, string> = {}) =>
    runExampleIn(exampleDir, ['--url', api.url, ...args], {
      EVENTLY_EMAIL: buyer.email,
      EVENTLY_PASSWORD: buyer.password,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      ...env,
    });

  beforeAll(async () => {
    stripe = await startStripeStub();
    api = await startEmbeddedApi({ env: stripe.env });
    const admin = await adminClient(api);
    const owner = { email: 'olga@example.com', password: 'organizer passphrase 1', name: 'Olga' };
    organizer = await signUpOrganizer(api, admin, owner);
    eventId = (await publishEvent(organizer, { capacity: 10, priceCents: 2500 })).id;
    bea = await signUp(api, { ...buyer, name: 'Bea' });
  });
  afterAll(async () => {
    await api?.stop();
    await stripe?.close();
  });

  it('a checkout, then Stripe’s signed webhook confirms the booking, once', async () => {
    const held = await bea.bookings.create.mutate({ eventId, quantity: 2 });
    expect(held).toMatchObject({ status: 'pending', totalCents: 5000 });

    const run = await runExample(['--booking', held.id]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const intentId = /PaymentIntent (pi_\w+)/.exec(run.stdout)?.[1];
    expect(run.stdout.trim().split('\n')).toEqual([
      `→ booking ${held.id} pending: 2 seat(s), €50.00`,
      `→ checkout: Stripe PaymentIntent ${intentId} (its client secret is for Stripe.js)`,
      expect.stringMatching(
        /^→ as Stripe: payment_intent\.succeeded evt_\w+, €50\.00, signed with the test helper$/,
      ),
      '→ delivery 1: HTTP 200 confirmed',
      '→ delivery 2: HTTP 200 already-handled',
      `→ payment: €50.00 by card via stripe (${intentId})`,
      `done: booking ${held.id} is confirmed`,
    ]);

    // The PaymentIntent the API's library asked for: the total, lower-case currency, the booking.
    expect(stripe.paymentIntents).toEqual([
      expect.objectContaining({
        id: intentId,
        idempotencyKey: held.id,
        form: expect.objectContaining({
          amount: '5000',
          currency: 'eur',
          'metadata[evently_booking_id]': held.id,
        }),
      }),
    ]);
    // The organizer sees one payment and two sold seats.
    const { payments } = await organizer.payments.forBooking.query({ bookingId: held.id });
    expect(payments).toEqual([
      expect.objectContaining({ provider: 'stripe', amountCents: 5000, reference: intentId }),
    ]);
    expect(await organizer.bookings.availability.query({ eventId })).toMatchObject({
      confirmed: 2,
      held: 0,
    });
    // A paid booking takes no second checkout.
    const again = await runExample(['--booking', held.id]);
    expect(again.stderr).toMatch(/^INVALID_STATE: /);
    expect(again.code).toBe(1);
  });

  it('five concurrent deliveries of the same event confirm the booking exactly once', async () => {
    const held = await bea.bookings.create.mutate({ eventId, quantity: 1 });
    const checkout = await bea.payments.createCheckout.mutate({ bookingId: held.id });
    const event = paymentIntentSucceeded({
      paymentIntentId: checkout.paymentIntentId,
      bookingId: held.id,
      amountCents: held.totalCents,
      currency: held.currency,
    });
    const delivery = signDelivery(event, stripe.webhookSecret);

    const answers = await Promise.all(Array.from({ length: 5 }, () => deliver(api.url, delivery)));
    expect(answers.map((a) => `${a.status} ${a.outcome}`).sort()).toEqual([
      '200 already-handled',
      '200 already-handled',
      '200 already-handled',
      '200 already-handled',
      '200 confirmed',
    ]);
    const booking = await bea.bookings.get.query({ bookingId: held.id });
    expect(booking.status).toBe('confirmed');
    const { payments, refunds } = await bea.payments.forBooking.query({ bookingId: held.id });
    expect(payments).toHaveLength(1);
    expect(refunds).toEqual([]);
  });

  it('a delivery with a bad signature or the wrong amount changes nothing', async () => {
    const held = await bea.bookings.create.mutate({ eventId, quantity: 1 });
    const otherSecret = `whsec_${randomBytes(16).toString('hex')}`;
    const forged = await runExample(['--booking', held.id, '--deliveries', '1'], {
      STRIPE_WEBHOOK_SECRET: otherSecret,
    });
    expect(forged.stderr).toMatch(/^VALIDATION_FAILED: The Stripe signature does not match/);
    expect(forged.code).toBe(1);

    // The same PaymentIntent (the checkout's idempotency key is the booking id), paid short.
    const checkout = await bea.payments.createCheckout.mutate({ bookingId: held.id });
    const short = paymentIntentSucceeded({
      paymentIntentId: checkout.paymentIntentId,
      bookingId: held.id,
      amountCents: held.totalCents - 100,
      currency: held.currency,
    });
    const answer = await deliver(api.url, signDelivery(short, stripe.webhookSecret));
    expect(answer).toMatchObject({ status: 422, appCode: 'PAYMENT_MISMATCH' });

    expect((await bea.bookings.get.query({ bookingId: held.id })).status).toBe('pending');
    expect(await bea.payments.forBooking.query({ bookingId: held.id })).toEqual({
      payments: [],
      refunds: [],
    });
  });
});
