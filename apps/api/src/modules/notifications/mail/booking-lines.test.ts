import { randomUUID } from 'node:crypto';
import type { DomainEventPayload } from '@evently/contracts';
import { personalOrganization } from '@evently/db/testing/personal-organization';
import { describe, expect, it } from 'vitest';
import { useMailConsumer } from '../../../../test/mail-consumer.fixtures.js';
import { authRepository } from '../../auth/auth.repository.js';
import { eventsRepository } from '../../events/events.repository.js';
import { lineRows } from './booking-summary.js';
import type { MailBookingLines, UserEventContext } from './mail-template.js';
import { renderMail } from './mail-templates.js';

const vipName = '<b>VIP</b> & "friends"';
const escapedVip = '&lt;b&gt;VIP&lt;/b&gt; &amp; &quot;friends&quot;';

const context: UserEventContext = {
  recipient: { email: 'ada@example.com', name: 'Ada' },
  event: { title: 'Jazz night', venue: 'Blue Note', startsAt: '2026-12-24T19:30:00.000Z' },
};

/** 2 early birds at EUR 19.99 and a VIP at EUR 90.00 less 10% with the code save10. */
const twoLines: MailBookingLines = {
  currency: 'EUR',
  voucherCode: 'save10',
  items: [
    {
      name: 'Early bird',
      quantity: 2,
      unitPriceCents: 1999,
      discountCents: 0,
      totalCents: 3998,
    },
    { name: vipName, quantity: 1, unitPriceCents: 9000, discountCents: 900, totalCents: 8100 },
  ],
};

const booking = {
  bookingId: randomUUID(),
  eventId: randomUUID(),
  userId: randomUUID(),
  quantity: 3,
  unitPriceCents: 0,
  totalCents: 12098,
  currency: 'EUR',
};

/** The table row of a label and a value, as the summary writes it. */
const htmlRow = (label: string, value: string) =>
  `<tr><td style="color:#6b7080;padding:2px 16px 2px 0;">${label}</td><td>${value}</td></tr>`;

describe('booking mails: the lines, the discount and the total', () => {
  it('lists each line at its price, one discount row with the code, then the total', () => {
    const mail = renderMail('booking.confirmed', booking, { ...context, lines: twoLines });
    expect(mail.text).toContain(
      [
        'Seats: 3',
        '2 × Early bird  EUR 39.98',
        `1 × ${vipName}  EUR 90.00`,
        'Discount (save10)  − EUR 9.00',
        'Total: EUR 120.98',
        `Booking: ${booking.bookingId}`,
      ].join('\n'),
    );
    expect(mail.html).toContain(
      [
        htmlRow('Seats', '3'),
        htmlRow('2 × Early bird', 'EUR 39.98'),
        htmlRow(`1 × ${escapedVip}`, 'EUR 90.00'),
        htmlRow('Discount (save10)', '− EUR 9.00'),
        htmlRow('Total', 'EUR 120.98'),
      ].join('\n'),
    );
    expect(mail.html).not.toContain('<b>VIP');
  });

  it('names reserved seats under their line, by section and row, in plan order', () => {
    const seat = (section: string, row: string, label: string) => ({ section, row, label });
    const lines: MailBookingLines = {
      currency: 'EUR',
      voucherCode: null,
      items: [
        {
          name: 'Stalls',
          quantity: 3,
          unitPriceCents: 2000,
          discountCents: 0,
          totalCents: 6000,
          seats: [
            seat('Stalls', 'Row A', '3'),
            seat('Stalls', 'Row A', '4'),
            seat('Stalls', 'Row B', '7'),
          ],
        },
        {
          name: vipName,
          quantity: 1,
          unitPriceCents: 9000,
          discountCents: 0,
          totalCents: 9000,
          seats: [seat(vipName, 'Box 1', '2')],
        },
      ],
    };
    const mail = renderMail(
      'booking.confirmed',
      { ...booking, quantity: 4 },
      { ...context, lines },
    );
    expect(mail.text).toContain(
      [
        '3 × Stalls  EUR 60.00',
        'Your seats: Stalls, Row A: 3, 4; Row B: 7',
        `1 × ${vipName}  EUR 90.00`,
        `Your seats: ${vipName}, Box 1: 2`,
      ].join('\n'),
    );
    expect(mail.html).toContain(htmlRow('Your seats', `${escapedVip}, Box 1: 2`));
  });

  it('shows the lines in the cancelled, expired and offer mails too', () => {
    const cancelled = renderMail(
      'booking.cancelled',
      { ...booking, previousStatus: 'confirmed', reason: null, cancelledBy: null },
      { ...context, lines: twoLines },
    );
    const expired = renderMail('booking.expired', booking, { ...context, lines: twoLines });
    const offered = renderMail(
      'waitlist.offered',
      {
        entryId: randomUUID(),
        eventId: booking.eventId,
        userId: booking.userId,
        quantity: 3,
        bookingId: booking.bookingId,
        offerExpiresAt: '2026-12-01T10:15:00.000Z',
      },
      { ...context, lines: twoLines },
    );
    for (const mail of [cancelled, expired, offered]) {
      expect(mail.text).toContain('2 × Early bird  EUR 39.98');
      expect(mail.text).toContain('Discount (save10)  − EUR 9.00');
      expect(mail.html).toContain(htmlRow(`1 × ${escapedVip}`, 'EUR 90.00'));
    }
    expect(cancelled.text).toContain('Total: EUR 120.98');
  });

  it('renders a one-line booking without discount as before, with the line listed', () => {
    const single = { ...booking, quantity: 1, unitPriceCents: 1500, totalCents: 1500 };
    const lines: MailBookingLines = {
      currency: 'EUR',
      voucherCode: null,
      items: [
        {
          name: 'General admission',
          quantity: 1,
          unitPriceCents: 1500,
          discountCents: 0,
          totalCents: 1500,
        },
      ],
    };
    const before = renderMail('booking.confirmed', single, context);
    const after = renderMail('booking.confirmed', single, { ...context, lines });
    expect(after.subject).toBe(before.subject);
    expect(after.text).toBe(
      before.text.replace('Seats: 1\n', 'Seats: 1\n1 × General admission  EUR 15.00\n'),
    );
    expect(after.html).toBe(
      before.html.replace(
        `${htmlRow('Seats', '1')}\n`,
        `${htmlRow('Seats', '1')}\n${htmlRow('1 × General admission', 'EUR 15.00')}\n`,
      ),
    );
    expect(after.text).not.toContain('Discount');
  });

  it('names no code when the voucher is gone, and no discount row without a discount', () => {
    expect(lineRows({ ...twoLines, voucherCode: null }).at(-1)).toEqual([
      'Discount',
      '− EUR 9.00',
      'bill',
    ]);
    const free = lineRows({
      currency: 'JPY',
      voucherCode: 'crew',
      items: [{ name: 'Crew', quantity: 2, unitPriceCents: 0, discountCents: 0, totalCents: 0 }],
    });
    expect(free).toEqual([['2 × Crew', 'free', 'bill']]);
  });
});

// The consumer reads the lines in its delivery transaction, from the tables the bookings,
// ticket types and vouchers modules write (inserted here with SQL).
describe('mail consumer: the booking lines it reads', () => {
  const { rig, deliver, publish, mailsTo } = useMailConsumer();

  /** A user, an event of theirs with two ticket types and a voucher, and a booking of both. */
  async function fixture() {
    return rig()
      .test.handle.db.transaction()
      .execute(async (trx) => {
        const user = await authRepository.insertUser(trx, {
          id: randomUUID(),
          email: `lines+${randomUUID().slice(0, 8)}@example.com`,
          name: 'Grace Hopper',
          password_hash: 'not-a-hash',
        });
        const startsAt = new Date('2026-12-24T19:30:00.000Z');
        const event = await eventsRepository.insert(trx, {
          id: randomUUID(),
          organizer_id: user.id,
          organization_id: await personalOrganization(trx, user.id),
          status: 'published',
          title: 'Jazz night',
          description: '',
          venue: 'Blue Note',
          starts_at: startsAt,
          ends_at: new Date(startsAt.getTime() + 7_200_000),
          capacity: 10,
          price_cents: 1999,
          currency: 'EUR',
          max_per_booking: 4,
          updated_at: new Date(),
        });
        const [early, vip] = await trx
          .insertInto('ticket_types')
          .values([
            { event_id: event.id, name: 'Early bird', price_cents: 1999, updated_at: new Date() },
            {
              event_id: event.id,
              name: vipName,
              price_cents: 9000,
              position: 1,
              updated_at: new Date(),
            },
          ])
          .returning('id')
          .execute();
        if (!early || !vip) throw new Error('two ticket types expected');
        const voucher = await trx
          .insertInto('vouchers')
          .values({
            event_id: event.id,
            code: 'save10',
            effect_kind: 'percent',
            effect_value: 10,
            used: 1,
            updated_at: new Date(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const bookingId = randomUUID();
        await trx
          .insertInto('bookings')
          .values({
            id: bookingId,
            event_id: event.id,
            user_id: user.id,
            quantity: 3,
            status: 'confirmed',
            unit_price_cents: 0,
            total_cents: 12098,
            currency: 'EUR',
            expires_at: null,
            updated_at: new Date(),
            confirmed_at: new Date(),
            cancelled_at: null,
            cancel_reason: null,
            waitlist_entry_id: null,
          })
          .execute();
        // Inserted out of order: the mail lists them by position.
        await trx
          .insertInto('booking_items')
          .values([
            {
              booking_id: bookingId,
              ticket_type_id: vip.id,
              position: 1,
              quantity: 1,
              unit_price_cents: 9000,
              discount_cents: 900,
              total_cents: 8100,
            },
            {
              booking_id: bookingId,
              ticket_type_id: early.id,
              position: 0,
              quantity: 2,
              unit_price_cents: 1999,
              total_cents: 3998,
            },
          ])
          .execute();
        await trx
          .insertInto('voucher_redemptions')
          .values({
            booking_id: bookingId,
            voucher_id: voucher.id,
            seats: 1,
            redeemed_at: new Date(),
          })
          .execute();
        const payload: DomainEventPayload<'booking.confirmed'> = {
          bookingId,
          eventId: event.id,
          userId: user.id,
          quantity: 3,
          unitPriceCents: 0,
          totalCents: 12098,
          currency: 'EUR',
        };
        return { user, payload };
      });
  }

  it('lists the booking lines, the voucher discount and the total in both parts', async () => {
    const { user, payload } = await fixture();
    expect(await deliver(await publish({ topic: 'booking.confirmed', payload }))).toBe('applied');
    const [mail] = mailsTo(user.email);
    if (!mail) throw new Error(`no mail to ${user.email}`);
    expect(mail.subject).toBe('Your Evently booking is confirmed');
    expect(mail.text).toContain(
      [
        'Seats: 3',
        '2 × Early bird  EUR 39.98',
        `1 × ${vipName}  EUR 90.00`,
        'Discount (save10)  − EUR 9.00',
        'Total: EUR 120.98',
      ].join('\n'),
    );
    expect(mail.html).toContain(
      [
        htmlRow('2 × Early bird', 'EUR 39.98'),
        htmlRow(`1 × ${escapedVip}`, 'EUR 90.00'),
        htmlRow('Discount (save10)', '− EUR 9.00'),
        htmlRow('Total', 'EUR 120.98'),
      ].join('\n'),
    );
    expect(mail.html).not.toContain('<b>VIP');
  });

  it('still names the code once the use is given back (a cancellation)', async () => {
    const { user, payload } = await fixture();
    await rig()
      .test.handle.db.updateTable('voucher_redemptions')
      .set({ released_at: new Date() })
      .where('booking_id', '=', payload.bookingId)
      .execute();
    const cancelled = {
      ...payload,
      previousStatus: 'confirmed' as const,
      reason: null,
      cancelledBy: user.id,
    };
    await deliver(await publish({ topic: 'booking.cancelled', payload: cancelled }));
    const [mail] = mailsTo(user.email);
    expect(mail?.subject).toBe('Your Evently booking was cancelled');
    expect(mail?.text).toContain('Discount (save10)  − EUR 9.00\nTotal: EUR 120.98');
  });
});
