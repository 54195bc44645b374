import { randomUUID } from 'node:crypto';
import { personalOrganization } from '@evently/db/testing/personal-organization';
import { describe, expect, it } from 'vitest';
import { type MailEvent, useMailConsumer } from '../../../../test/mail-consumer.fixtures.js';
import { authRepository } from '../../auth/auth.repository.js';
import { eventsRepository } from '../../events/events.repository.js';
import { EVENT_CANCELLED_SUBJECT } from './templates/event-cancelled.mail.js';
import { PAYMENT_RECEIVED_SUBJECT } from './templates/payment-received.mail.js';
import { REFUND_REQUESTED_SUBJECT } from './templates/refund-requested.mail.js';
import { REFUND_SUCCEEDED_SUBJECT } from './templates/refund-succeeded.mail.js';

const startsAt = new Date('2026-12-24T19:30:00.000Z');

// The payment and refund mails through the mail consumer, on a real database (the buyer and the
// event are looked up there) and a real SMTP server.
describe('mail consumer: payment and refund mails', () => {
  const { rig, deliver, publish, mailsTo, processed } = useMailConsumer();

  /** A buyer and an event, published or cancelled, through the owning modules' repositories. */
  async function fixture(status: 'published' | 'cancelled' = 'published') {
    return rig()
      .test.handle.db.transaction()
      .execute(async (trx) => {
        const user = await authRepository.insertUser(trx, {
          id: randomUUID(),
          email: `buyer+${randomUUID().slice(0, 8)}@example.com`,
          name: 'Grace Hopper',
          password_hash: 'not-a-hash',
        });
        const cancelled = status === 'cancelled';
        const event = await eventsRepository.insert(trx, {
          id: randomUUID(),
          organizer_id: user.id,
          organization_id: await personalOrganization(trx, user.id),
          status,
          title: 'Jazz & Blues',
          description: '',
          venue: 'Blue Note',
          starts_at: startsAt,
          ends_at: new Date(startsAt.getTime() + 7_200_000),
          capacity: 10,
          price_cents: 1500,
          currency: 'EUR',
          max_per_booking: 4,
          updated_at: new Date(),
          cancelled_at: cancelled ? new Date() : null,
          cancel_reason: cancelled ? 'Storm warning' : null,
        });
        return { user, event };
      });
  }

  function moneyEvents(userId: string, eventId: string) {
    const ids = { bookingId: randomUUID(), eventId, userId };
    const paymentId = randomUUID();
    const refundId = randomUUID();
    return {
      'payment.received': {
        topic: 'payment.received',
        payload: {
          ...ids,
          paymentId,
          provider: 'stripe',
          method: 'card',
          amountCents: 3000,
          currency: 'EUR',
          reference: 'pi_123',
        },
      },
      'refund.requested': {
        topic: 'refund.requested',
        payload: {
          ...ids,
          refundId,
          paymentId,
          provider: 'stripe',
          amountCents: 3000,
          currency: 'EUR',
          reason: 'Storm warning',
          cause: 'event_cancelled',
          feeCents: 0,
        },
      },
      'refund.succeeded': {
        topic: 'refund.succeeded',
        payload: { ...ids, refundId, amountCents: 3000, currency: 'EUR', reference: 're_123' },
      },
    } as const satisfies Record<string, MailEvent>;
  }

  it.each([
    ['payment.received', PAYMENT_RECEIVED_SUBJECT, 'payment-received', 'EUR 30.00'],
    ['refund.requested', REFUND_REQUESTED_SUBJECT, 'refund-requested', 'A refund of EUR 30.00'],
    ['refund.succeeded', REFUND_SUCCEEDED_SUBJECT, 'refund-succeeded', 'refund of EUR 30.00'],
  ] as const)(
    '%s queues exactly one mail, to the buyer',
    async (topic, subject, template, says) => {
      const { user, event } = await fixture();
      const job = await publish(moneyEvents(user.id, event.id)[topic]);
      expect(await deliver(job)).toBe('applied');
      expect(await deliver(job)).toBe('duplicate');
      const rows = await rig()
        .test.handle.db.selectFrom('sent_emails')
        .select(['template', 'recipient_id', 'status'])
        .where('source', '=', job.id)
        .execute();
      expect(rows).toEqual([{ template, recipient_id: user.id, status: 'sent' }]);
      const mails = mailsTo(user.email);
      expect(mails).toHaveLength(1);
      expect(mails[0]?.envelopeTo).toEqual([user.email]);
      expect(mails[0]?.subject).toBe(subject);
      expect(mails[0]?.text).toContain('Hello Grace Hopper,');
      expect(mails[0]?.text).toContain('Event: Jazz & Blues');
      expect(mails[0]?.text).toContain(says);
      expect(await processed(job.id)).toEqual(['mail']);
    },
  );

  it('still mails the money when the event was cancelled, beside the one cancellation mail', async () => {
    const { user, event } = await fixture('cancelled');
    const money = moneyEvents(user.id, event.id);
    const bookingCancelled: MailEvent = {
      topic: 'booking.cancelled',
      payload: {
        bookingId: money['refund.requested'].payload.bookingId,
        eventId: event.id,
        userId: user.id,
        quantity: 2,
        unitPriceCents: 1500,
        totalCents: 3000,
        currency: 'EUR',
        previousStatus: 'confirmed',
        reason: 'event cancelled',
        cancelledBy: null,
      },
    };
    for (const e of [bookingCancelled, money['refund.requested'], money['refund.succeeded']]) {
      expect(await deliver(await publish(e))).toBe('applied');
    }
    const subjects = mailsTo(user.email).map((mail) => mail.subject);
    expect(subjects).toEqual([
      EVENT_CANCELLED_SUBJECT,
      REFUND_REQUESTED_SUBJECT,
      REFUND_SUCCEEDED_SUBJECT,
    ]);
    const refund = mailsTo(user.email)[1];
    expect(refund?.text).toContain('The organizer cancelled Jazz & Blues');
    expect(refund?.text).toContain('Reason given: Storm warning');
  });

  it('sends nothing (and is done) when the buyer is gone', async () => {
    const { event } = await fixture();
    const job = await publish(moneyEvents(randomUUID(), event.id)['payment.received']);
    expect(await deliver(job)).toBe('applied');
    const rows = await rig()
      .test.handle.db.selectFrom('sent_emails')
      .select('id')
      .where('source', '=', job.id)
      .execute();
    expect(rows).toEqual([]);
  });
});
