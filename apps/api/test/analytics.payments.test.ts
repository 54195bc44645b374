import { describe, expect, it } from 'vitest';
import { rebuildAnalytics } from '../src/modules/analytics/rebuild.js';
import { expectEventFiguresMatch } from './analytics.figures.js';
import { waitForProjection } from './analytics.fixtures.js';
import { eventTruths, readModels } from './analytics.truth.js';
import { silentLog } from './capture-log.js';
import { payFor } from './payments.js';
import {
  expireHold,
  holdWithCheckout,
  ledgerOf,
  paidEvent,
  payThroughStripe,
  type StripeCast,
  until,
  useStripeApp,
} from './payments.stripe.fixtures.js';

const HOLD_MINUTES = 10;

// Analytics follow money on the paths where money and seats part: a Stripe payment after the
// hold expired (the booking sold again, or the money straight back), a second payment of a paid
// booking, Stripe paying refunds out. Each time the event's figures equal the source tables
// (revenue: payments less refunds), and a rebuild gives what the projection holds.
describe('analytics of late and duplicate payments', () => {
  const cast = useStripeApp({
    bookings: { holdMinutes: HOLD_MINUTES, offerMinutes: 30 },
    accessTokenTtlSeconds: 86_400,
  });

  /** The event's figures once everything is projected, after checking them against SQL. */
  async function figuresOf(c: StripeCast, eventId: string) {
    await waitForProjection(c.db);
    const truth = (await eventTruths(c.db)).get(eventId);
    if (!truth) throw new Error(`no truth for ${eventId}`);
    await expectEventFiguresMatch(c.db, c.organizer.client, truth);
    return c.organizer.client.analytics.event.query({ eventId });
  }

  it('counts a hold paid after it expired once, sold again and no longer expired', async () => {
    const c = cast();
    const event = await paidEvent(c.organizer.client, { capacity: 10 });
    const { booking, checkout } = await holdWithCheckout(c.buyer.client, event.id, 2);
    await expireHold(c, booking.id, HOLD_MINUTES);
    expect(await figuresOf(c, event.id)).toMatchObject({ expirations: 1, pendingPaymentCents: 0 });

    const { answer } = await payThroughStripe(c, c.app.url, checkout.paymentIntentId);
    expect(answer).toMatchObject({ status: 200, body: { outcome: 'confirmed' } });
    const figures = await figuresOf(c, event.id);
    expect(figures).toMatchObject({
      confirmedBookings: 1,
      expirations: 0,
      ticketsSold: 2,
      revenueCents: booking.totalCents,
      refundedCents: 0,
      pendingPaymentCents: 0,
    });
    expect(figures.ticketTypes.map((t) => [t.ticketsSold, t.held, t.revenueCents])).toEqual([
      [2, 0, booking.totalCents],
    ]);
  });

  it('counts a late payment whose seats were gone as money in and straight back out', async () => {
    const c = cast();
    const event = await paidEvent(c.organizer.client, { capacity: 2, maxPerBooking: 2 });
    const { booking, checkout } = await holdWithCheckout(c.buyer.client, event.id, 2);
    await expireHold(c, booking.id, HOLD_MINUTES);
    const theirs = await c.other.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    await payFor(c.organizer.client, theirs);

    const { answer } = await payThroughStripe(c, c.app.url, checkout.paymentIntentId);
    expect(answer).toMatchObject({ status: 200, body: { outcome: 'refunded' } });
    // Owed back from the moment it is recorded, and still once Stripe has paid it out.
    for (const refunded of [false, true]) {
      if (refunded) {
        await until(
          () => ledgerOf(c.db, booking.id),
          (l) => l.refunds.every((r) => r.status === 'succeeded'),
        );
      }
      expect(await figuresOf(c, event.id)).toMatchObject({
        confirmedBookings: 1,
        expirations: 1,
        revenueCents: theirs.totalCents,
        refundedCents: booking.totalCents,
        pendingPaymentCents: 0,
      });
    }
  });

  it('nets a second payment of a paid booking to one payment', async () => {
    const c = cast();
    const event = await paidEvent(c.organizer.client);
    const { booking, checkout } = await holdWithCheckout(c.buyer.client, event.id, 1);
    await payFor(c.organizer.client, booking);
    const { answer } = await payThroughStripe(c, c.app.url, checkout.paymentIntentId);
    expect(answer).toMatchObject({ status: 200, body: { outcome: 'refunded' } });
    expect(await figuresOf(c, event.id)).toMatchObject({
      confirmedBookings: 1,
      revenueCents: booking.totalCents,
      refundedCents: booking.totalCents,
    });
  });

  it('rebuilds to exactly what the projection holds', async () => {
    const c = cast();
    await waitForProjection(c.db);
    const projected = await readModels(c.db);
    const rebuilt = await rebuildAnalytics({
      db: c.db,
      pubsub: c.app.platform.pubsub,
      log: silentLog,
      now: c.clock.now,
    });
    expect(rebuilt).toMatchObject({ changed: 0, covered: 0 });
    expect(await readModels(c.db)).toEqual(projected);
  });
});
