import { randomUUID } from 'node:crypto';
import type { DomainEventPayload } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import type { UserEventContext } from '../mail-template.js';
import { PAYMENT_RECEIVED_SUBJECT, paymentReceivedMail } from './payment-received.mail.js';
import { REFUND_REQUESTED_SUBJECT, refundRequestedMail } from './refund-requested.mail.js';
import { REFUND_SUCCEEDED_SUBJECT, refundSucceededMail } from './refund-succeeded.mail.js';

const title = `<script>alert("x")</script> Rock & Roll's Night`;
const escapedTitle =
  '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Rock &amp; Roll&#39;s Night';
const context: UserEventContext = {
  recipient: { email: 'ada@example.com', name: 'Ada <b>L</b>' },
  event: { title, venue: 'Hall <A>', startsAt: '2026-12-24T19:30:00.000Z' },
};
const ids = { bookingId: randomUUID(), eventId: randomUUID(), userId: randomUUID() };
const payment: DomainEventPayload<'payment.received'> = {
  ...ids,
  paymentId: randomUUID(),
  provider: 'manual',
  method: 'transfer',
  amountCents: 123456,
  currency: 'eur',
  reference: 'INV <42> & "co"',
};
const refund: DomainEventPayload<'refund.requested'> = {
  ...ids,
  refundId: randomUUID(),
  paymentId: randomUUID(),
  provider: 'stripe',
  amountCents: 2250,
  currency: 'EUR',
  reason: 'Storm <b>warning</b> & "flooding"',
  cause: 'event_cancelled',
  feeCents: 0,
};
const causes = [
  'attendee_cancelled',
  'organizer_cancelled',
  'event_cancelled',
  'late_payment',
  'duplicate_payment',
] as const satisfies readonly DomainEventPayload<'refund.requested'>['cause'][];

/** What every payment mail shares: the event, the booking, the greeting, escaped in the HTML. */
function expectAboutTheBooking(mail: { text: string; html: string }) {
  expect(mail.text).toContain('Hello Ada <b>L</b>,');
  expect(mail.html).toContain('<p>Hello Ada &lt;b&gt;L&lt;/b&gt;,</p>');
  expect(mail.text).toContain(`Event: ${title}`);
  expect(mail.text).toContain('Where: Hall <A>');
  expect(mail.text).toContain('When: Thu, 24 Dec 2026, 19:30 UTC');
  expect(mail.text).toContain(`Booking: ${ids.bookingId}`);
  expect(mail.html).toContain(escapedTitle);
  expect(mail.html).toContain('Hall &lt;A&gt;');
  expect(mail.html).not.toMatch(/<script|<A>|<b>/);
}

describe('payment and refund mails', () => {
  it('payment received: a receipt with the amount, method, reference and lines', () => {
    const mail = paymentReceivedMail(payment, {
      ...context,
      lines: {
        currency: 'EUR',
        items: [
          {
            name: 'VIP <front>',
            quantity: 2,
            unitPriceCents: 61728,
            discountCents: 0,
            totalCents: 123456,
          },
        ],
        voucherCode: null,
      },
    });
    expect(mail.subject).toBe(PAYMENT_RECEIVED_SUBJECT);
    expect(mail.text).toContain('We received your payment of EUR 1,234.56.');
    expect(mail.text).toContain('Paid: EUR 1,234.56');
    expect(mail.text).toContain('Method: bank transfer');
    expect(mail.text).toContain('Reference: INV <42> & "co"');
    expect(mail.text).toContain('2 × VIP <front>  EUR 1,234.56');
    expect(mail.html).toContain('INV &lt;42&gt; &amp; &quot;co&quot;');
    expect(mail.html).toContain('VIP &lt;front&gt;');
    expect(mail.html).not.toContain('<42>');
    expectAboutTheBooking(mail);
    // It may be a late payment, refunded in a mail of its own: it promises no seat.
    expect(mail.text).not.toContain('confirmed');
  });

  it('payment received: a payment without a reference has no reference row', () => {
    const mail = paymentReceivedMail({ ...payment, method: 'cash', reference: '  ' }, context);
    expect(mail.text).toContain('Method: cash');
    expect(mail.text).not.toContain('Reference:');
  });

  it.each(causes)('refund requested (%s): the amount, why, and when it arrives', (cause) => {
    const mail = refundRequestedMail({ ...refund, cause }, context);
    expect(mail.subject).toBe(REFUND_REQUESTED_SUBJECT);
    expect(mail.text).toContain('A refund of EUR 22.50 is on its way to you.');
    expect(mail.html).toContain('A refund of EUR 22.50 is on its way to you.');
    expect(mail.text).toContain('Refund: EUR 22.50');
    expect(mail.text).toContain('some days');
    expect(mail.text).not.toContain('Fee kept');
    expectAboutTheBooking(mail);
  });

  it('refund requested: each cause says its own why', () => {
    const text = (cause: (typeof causes)[number], feeCents = 0) =>
      refundRequestedMail({ ...refund, cause, feeCents }, context).text;
    expect(text('attendee_cancelled')).toContain(
      'You cancelled your booking: you get back everything you paid.',
    );
    expect(text('organizer_cancelled')).toContain('The organizer cancelled your booking');
    expect(text('event_cancelled')).toContain(
      `The organizer cancelled ${title}: everything you paid for it is refunded in full.`,
    );
    expect(text('late_payment')).toContain(
      'Your payment arrived after your hold had expired and the seats were no longer available; it is refunded in full — money is never kept for a seat that was not sold.',
    );
    expect(text('duplicate_payment')).toContain('You paid for this booking more than once');
    const withFee = text('attendee_cancelled', 250);
    expect(withFee).toContain('minus the cancellation fee of EUR 2.50');
    expect(withFee).toContain('Fee kept: EUR 2.50');
  });

  it('refund requested: the organizer reason only for their cancellations, escaped', () => {
    for (const cause of ['event_cancelled', 'organizer_cancelled'] as const) {
      const mail = refundRequestedMail({ ...refund, cause }, context);
      expect(mail.text).toContain('Reason given: Storm <b>warning</b> & "flooding"');
      expect(mail.html).toContain(
        'Reason given: Storm &lt;b&gt;warning&lt;/b&gt; &amp; &quot;flooding&quot;',
      );
    }
    for (const cause of ['attendee_cancelled', 'late_payment', 'duplicate_payment'] as const) {
      expect(refundRequestedMail({ ...refund, cause }, context).text).not.toContain('Reason');
    }
    const blank = refundRequestedMail({ ...refund, reason: ' ' }, context);
    expect(blank.text).not.toContain('Reason given');
  });

  it('refund requested: through the card provider, or paid back by the organizer', () => {
    expect(refundRequestedMail(refund, context).text).toContain('through the card provider');
    const manual = refundRequestedMail({ ...refund, provider: 'manual' }, context);
    expect(manual.text).toContain('The organizer pays it back to you directly');
    expect(manual.text).toContain('we will mail you once it is paid');
  });

  it('refund succeeded: paid, with its reference escaped', () => {
    const mail = refundSucceededMail(
      {
        ...ids,
        refundId: randomUUID(),
        amountCents: 500000,
        currency: 'JPY',
        reference: 'cash <a>',
      },
      context,
    );
    expect(mail.subject).toBe(REFUND_SUCCEEDED_SUBJECT);
    expect(mail.text).toContain('Your refund of JPY 500,000 has been paid.');
    expect(mail.text).toContain('Refunded: JPY 500,000');
    expect(mail.text).toContain('Reference: cash <a>');
    expect(mail.html).toContain('Reference</td><td>cash &lt;a&gt;');
    expect(mail.html).not.toContain('<a>');
    expectAboutTheBooking(mail);
  });

  it('a refund of nothing reads as an amount, never as free', () => {
    const mail = refundRequestedMail({ ...refund, amountCents: 0 }, context);
    expect(mail.text).toContain('A refund of EUR 0.00 is on its way to you.');
    expect(mail.text).not.toContain('free');
  });
});
