import { describe, expect, it } from 'vitest';
import { REFUND_REQUESTED_SUBJECT } from '../src/modules/notifications/mail/templates/refund-requested.mail.js';
import { REFUND_SUCCEEDED_SUBJECT } from '../src/modules/notifications/mail/templates/refund-succeeded.mail.js';
import { expectAppCode } from './app-error.js';
import { mailsSettled } from './mails-settled.js';
import {
  countOf,
  ledgerOf,
  paidEvent,
  type StripeCast,
  stripePaidBooking,
  subjectPattern,
  until,
  useStripeApp,
} from './payments.stripe.fixtures.js';

// Stripe refunds: recorded when an attendee cancels a Stripe-paid booking (less the event's
// cancellation fee), issued by the worker's `payments` consumer through the official library to
// a local endpoint (idempotency key = refund id), retried by the worker's pass when Stripe
// fails, and left to a manager's `refunds.markDone` when Stripe refuses.
const SETTLE_MS = 30_000;

describe('Stripe refunds issued by the worker', () => {
  const cast = useStripeApp({ accessTokenTtlSeconds: 86_400 });

  /** The worker's pass over pending Stripe refunds (`issue-pending-refunds`), run now. */
  async function runPass(c: StripeCast) {
    const pass = c.app.modules.worker.schedules.find((s) => s.name === 'issue-pending-refunds');
    if (!pass) throw new Error('the worker has no refund pass');
    await pass.handler({ id: 'test-pass', name: pass.name, data: {}, attempt: 1 });
  }

  /** A Stripe-paid booking its buyer cancels; resolves once its refund is recorded. */
  async function cancelledPaidBooking(
    c: StripeCast,
    policy?: { feePercent?: number; feeCents?: number },
  ) {
    const event = await paidEvent(c.organizer.client, policy ? { cancellationPolicy: policy } : {});
    const { booking, paymentIntentId } = await stripePaidBooking(c, event.id, 2);
    await c.buyer.client.bookings.cancel.mutate({ bookingId: booking.id });
    const ledger = await ledgerOf(c.db, booking.id);
    expect(ledger.status).toBe('cancelled');
    const [refund, ...more] = ledger.refunds;
    if (!refund || more.length > 0)
      throw new Error(`one refund expected: ${JSON.stringify(ledger.refunds)}`);
    return { event, booking, paymentIntentId, refund };
  }

  const callsFor = (c: StripeCast, paymentIntentId: string) =>
    c.endpoint
      .callsTo('POST', '/v1/refunds')
      .filter((call) => call.form.payment_intent === paymentIntentId);
  const refundsAtStripe = (c: StripeCast, paymentIntentId: string) =>
    c.endpoint.refunds().filter((r) => r.payment_intent === paymentIntentId);
  const settled = (c: StripeCast, bookingId: string) =>
    until(
      () => ledgerOf(c.db, bookingId),
      (l) => l.refunds.every((r) => r.status !== 'pending'),
    );

  it('an attendee cancels within the policy: the worker refunds the total minus the fee, once', async () => {
    const c = cast();
    // 2 × 1500: a fee of 10 % plus 50 cents keeps 350, gives back 2650.
    const { event, booking, paymentIntentId, refund } = await cancelledPaidBooking(c, {
      feePercent: 10,
      feeCents: 50,
    });
    expect(refund).toMatchObject({ provider: 'stripe', amount_cents: '2650' });

    const ledger = await settled(c, booking.id);
    const [issued] = refundsAtStripe(c, paymentIntentId);
    expect(refundsAtStripe(c, paymentIntentId)).toEqual([
      expect.objectContaining({ amount: 2_650, currency: 'eur', status: 'succeeded' }),
    ]);
    expect(ledger.refunds).toEqual([
      expect.objectContaining({
        id: refund.id,
        status: 'succeeded',
        reference: issued?.id,
        last_error: null,
      }),
    ]);
    expect(issued?.id).toMatch(/^re_/);
    const [call, ...more] = callsFor(c, paymentIntentId);
    expect(more).toEqual([]);
    expect(call).toMatchObject({
      idempotencyKey: refund.id,
      authorization: `Bearer ${c.endpoint.secretKey}`,
      form: {
        payment_intent: paymentIntentId,
        amount: '2650',
        'metadata[evently_booking_id]': booking.id,
        'metadata[evently_refund_id]': refund.id,
      },
    });
    expect(ledger.payments).toEqual([
      expect.objectContaining({ amount_cents: '3000', refunded_cents: '2650' }),
    ]);
    expect(countOf(ledger.topics, 'refund.requested')).toBe(1);
    expect(countOf(ledger.topics, 'refund.succeeded')).toBe(1);
    expect(ledger.outbox.find((o) => o.topic === 'refund.requested')?.payload).toMatchObject({
      cause: 'attendee_cancelled',
      amountCents: 2_650,
      feeCents: 350,
    });
    expect(ledger.audits).toEqual(expect.arrayContaining(['refund:request', 'refund:succeed']));

    // What the buyer and the organizer see; the buyer's two mails.
    const seen = await c.buyer.client.payments.forBooking.query({ bookingId: booking.id });
    expect(seen.refunds).toEqual([
      expect.objectContaining({
        id: refund.id,
        amountCents: 2_650,
        status: 'succeeded',
        reference: issued?.id,
      }),
    ]);
    const listed = await c.organizer.client.refunds.list.query({ eventId: event.id, limit: 10 });
    expect(listed.items.map((r) => [r.id, r.status])).toEqual([[refund.id, 'succeeded']]);
    await mailsSettled(c.db);
    await c.app.mail(c.buyer.email, subjectPattern(REFUND_REQUESTED_SUBJECT));
    await c.app.mail(c.buyer.email, subjectPattern(REFUND_SUCCEEDED_SUBJECT));

    // The pass later finds nothing left to issue.
    c.clock.advance(SETTLE_MS + 1_000);
    await runPass(c);
    expect(callsFor(c, paymentIntentId)).toHaveLength(1);
    expect(countOf((await ledgerOf(c.db, booking.id)).topics, 'refund.succeeded')).toBe(1);
  });

  it('when Stripe fails with 500, the pass issues the refund later under the same key: one refund at Stripe', async () => {
    const c = cast();
    // The consumer's call and the library's two retries.
    c.endpoint.failNext(3, { path: '/v1/refunds' });
    const { booking, paymentIntentId, refund } = await cancelledPaidBooking(c);
    expect(refund).toMatchObject({ provider: 'stripe', amount_cents: '3000' });
    const failed = await until(
      async () => callsFor(c, paymentIntentId),
      (calls) => calls.length >= 3,
    );
    expect(failed.map((call) => [call.status, call.idempotencyKey])).toEqual([
      [500, refund.id],
      [500, refund.id],
      [500, refund.id],
    ]);
    expect((await ledgerOf(c.db, booking.id)).refunds).toEqual([
      expect.objectContaining({ status: 'pending', reference: null }),
    ]);
    // Stripe is paying it: a manager may not pay it by hand meanwhile.
    await expectAppCode(
      c.organizer.client.refunds.markDone.mutate({ refundId: refund.id, reference: 'by hand' }),
      'INVALID_STATE',
    );

    // Too young for the pass (its consumer may still be at it); once settled, the pass issues it.
    await runPass(c);
    expect(callsFor(c, paymentIntentId)).toHaveLength(3);
    c.clock.advance(SETTLE_MS + 1_000);
    await runPass(c);

    const ledger = await ledgerOf(c.db, booking.id);
    const atStripe = refundsAtStripe(c, paymentIntentId);
    expect(atStripe).toEqual([expect.objectContaining({ amount: 3_000, status: 'succeeded' })]);
    expect(ledger.refunds).toEqual([
      expect.objectContaining({ status: 'succeeded', reference: atStripe[0]?.id }),
    ]);
    const calls = callsFor(c, paymentIntentId);
    expect(new Set(calls.map((call) => call.idempotencyKey))).toEqual(new Set([refund.id]));
    expect(calls.slice(0, 4).map((call) => call.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(calls.map((call) => call.rawBody)).size).toBe(1);
    expect(countOf(ledger.topics, 'refund.succeeded')).toBe(1);
  });

  it('when Stripe refuses (400), the refund is failed; a manager then marks it done, once', async () => {
    const c = cast();
    c.endpoint.refuseNext('Charge ch_3Mtw has been disputed.', { path: '/v1/refunds' });
    const { event, booking, paymentIntentId, refund } = await cancelledPaidBooking(c);

    const ledger = await settled(c, booking.id);
    expect(ledger.refunds).toEqual([
      expect.objectContaining({
        status: 'failed',
        reference: null,
        last_error: expect.stringContaining('disputed'),
      }),
    ]);
    expect(callsFor(c, paymentIntentId).map((call) => [call.status, call.idempotencyKey])).toEqual([
      [400, refund.id],
    ]);
    expect(refundsAtStripe(c, paymentIntentId)).toEqual([]);
    expect(countOf(ledger.topics, 'refund.succeeded')).toBe(0);
    expect(ledger.audits).toContain('refund:fail');
    const failedList = await c.organizer.client.refunds.list.query({
      eventId: event.id,
      status: 'failed',
      limit: 10,
    });
    expect(failedList.items.map((r) => r.id)).toEqual([refund.id]);

    // The pass leaves a failed refund alone; the buyer may not mark it; a manager pays it by hand.
    c.clock.advance(SETTLE_MS + 1_000);
    await runPass(c);
    expect(callsFor(c, paymentIntentId)).toHaveLength(1);
    await expectAppCode(
      c.buyer.client.refunds.markDone.mutate({ refundId: refund.id, reference: 'mine' }),
      'FORBIDDEN',
    );
    const done = await c.organizer.client.refunds.markDone.mutate({
      refundId: refund.id,
      reference: 'bank-transfer-42',
    });
    expect(done).toMatchObject({
      id: refund.id,
      status: 'succeeded',
      reference: 'bank-transfer-42',
      amountCents: 3_000,
    });
    expect(done.completedAt).not.toBeNull();
    const again = await c.organizer.client.refunds.markDone.mutate({
      refundId: refund.id,
      reference: 'bank-transfer-42',
    });
    expect(again).toEqual(done);

    const after = await ledgerOf(c.db, booking.id);
    expect(countOf(after.topics, 'refund.succeeded')).toBe(1);
    expect(after.outbox.find((o) => o.topic === 'refund.succeeded')?.payload).toMatchObject({
      refundId: refund.id,
      reference: 'bank-transfer-42',
      amountCents: 3_000,
    });
    expect(after.audits.filter((a) => a === 'refund:mark-done')).toHaveLength(1);
    expect(refundsAtStripe(c, paymentIntentId)).toEqual([]);
  });

  it('a refund Stripe leaves pending is asked for again by the pass until it succeeds', async () => {
    const c = cast();
    c.endpoint.setRefundStatus('pending');
    try {
      const { booking, paymentIntentId, refund } = await cancelledPaidBooking(c);
      const noted = await until(
        () => ledgerOf(c.db, booking.id),
        (l) => Boolean(l.refunds[0]?.reference),
      );
      const [atStripe] = refundsAtStripe(c, paymentIntentId);
      expect(noted.refunds).toEqual([
        expect.objectContaining({ status: 'pending', reference: atStripe?.id }),
      ]);
      expect(atStripe?.status).toBe('pending');

      c.clock.advance(SETTLE_MS + 1_000);
      await runPass(c);
      expect((await ledgerOf(c.db, booking.id)).refunds[0]?.status).toBe('pending');
      c.endpoint.settleRefund(atStripe?.id ?? '', 'succeeded');
      await runPass(c);

      const ledger = await ledgerOf(c.db, booking.id);
      expect(ledger.refunds).toEqual([
        expect.objectContaining({ id: refund.id, status: 'succeeded', reference: atStripe?.id }),
      ]);
      expect(callsFor(c, paymentIntentId)).toHaveLength(1);
      expect(
        c.endpoint.callsTo('GET', `/v1/refunds/${atStripe?.id}`).length,
      ).toBeGreaterThanOrEqual(2);
      expect(countOf(ledger.topics, 'refund.succeeded')).toBe(1);
    } finally {
      c.endpoint.setRefundStatus('succeeded');
    }
  });
});
