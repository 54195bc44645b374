import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { UserEventContext } from '../mail-template.js';
import { EVENT_CANCELLED_SUBJECT, eventCancelledMail } from './event-cancelled.mail.js';
import { EVENT_REMINDER_SUBJECT, eventReminderMail } from './event-reminder.mail.js';
import {
  concernsAttendees,
  EVENT_UPDATED_SUBJECT,
  eventUpdatedMail,
} from './event-updated.mail.js';

const booking = { bookingId: randomUUID(), eventId: randomUUID() };
const entry = { entryId: randomUUID() };
const title = `<script>alert("x")</script> Rock & Roll's Night`;
const escapedTitle =
  '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Rock &amp; Roll&#39;s Night';
const context: UserEventContext = {
  recipient: { email: 'ada@example.com', name: 'Ada' },
  event: { title, venue: 'Hall <A>', startsAt: '2026-12-24T19:30:00.000Z' },
};

// The mails not one per topic: planned by the consumer for an event's attendees and waiters.
describe('event mails', () => {
  it('event cancelled: one mail listing every booking, hold and waitlist place, escaped', () => {
    const mail = eventCancelledMail({
      recipient: context.recipient,
      event: context.event,
      reason: 'Storm <b>warning</b> & "flooding"',
      bookings: [
        {
          bookingId: booking.bookingId,
          quantity: 2,
          totalCents: 2500,
          currency: 'EUR',
          wasConfirmed: true,
        },
        {
          bookingId: entry.entryId,
          quantity: 1,
          totalCents: 0,
          currency: 'EUR',
          wasConfirmed: false,
        },
      ],
      waitlist: [{ quantity: 3 }],
    });
    expect(mail.subject).toBe(EVENT_CANCELLED_SUBJECT);
    expect(mail.text).toContain(`The organizer cancelled ${title}. It will not take place.`);
    expect(mail.text).toContain('Reason given: Storm <b>warning</b> & "flooding"');
    expect(mail.text).toContain(
      `Your booking of 2 seats (EUR 25.00, booking ${booking.bookingId}) is cancelled.`,
    );
    expect(mail.text).toContain(`Your hold on 1 seat (booking ${entry.entryId}) is released.`);
    expect(mail.text).toContain('Your place on the waitlist for 3 seats is closed.');
    expect(mail.text).toContain('When: Thu, 24 Dec 2026, 19:30 UTC');
    expect(mail.text).not.toContain('Seats:');
    expect(mail.html).toContain(`The organizer cancelled ${escapedTitle}.`);
    expect(mail.html).toContain(
      'Reason given: Storm &lt;b&gt;warning&lt;/b&gt; &amp; &quot;flooding&quot;',
    );
    expect(mail.html).toContain('<li>Your place on the waitlist for 3 seats is closed.</li>');
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain('<b>warning');
  });

  it('event cancelled for a waiter only: the waitlist place, no booking lines', () => {
    const mail = eventCancelledMail({
      recipient: context.recipient,
      event: context.event,
      reason: '',
      bookings: [],
      waitlist: [{ quantity: 1 }],
    });
    expect(mail.text).toContain('Your place on the waitlist for 1 seat is closed.');
    expect(mail.text).not.toContain('booking of');
    expect(mail.text).not.toContain('Reason given');
  });

  it('event updated: the new time and place, only for changes attendees care about', () => {
    expect(concernsAttendees(['venue'])).toBe(true);
    expect(concernsAttendees(['startsAt', 'title'])).toBe(true);
    expect(concernsAttendees(['endsAt'])).toBe(true);
    expect(concernsAttendees(['title', 'description', 'capacity', 'priceCents'])).toBe(false);
    const update = {
      eventId: booking.eventId,
      organizerId: randomUUID(),
      version: 4,
      changed: ['startsAt', 'endsAt', 'venue'],
      title,
      venue: 'Hall <B>',
      startsAt: '2026-12-26T20:00:00.000Z',
      endsAt: '2026-12-26T23:00:00.000Z',
    };
    const mail = eventUpdatedMail({ recipient: context.recipient, update, seats: 3 });
    expect(mail.subject).toBe(EVENT_UPDATED_SUBJECT);
    expect(mail.text).toContain(`The organizer changed the time and the venue of ${title}.`);
    expect(mail.text).toContain('When: Sat, 26 Dec 2026, 20:00 UTC');
    expect(mail.text).toContain('Where: Hall <B>');
    expect(mail.text).toContain('It ends at Sat, 26 Dec 2026, 23:00 UTC.');
    expect(mail.text).toContain('You keep your 3 seats.');
    expect(mail.html).toContain('Hall &lt;B&gt;');
    expect(mail.html).toContain(escapedTitle);
    expect(mail.html).not.toContain('<script');
    const moved = eventUpdatedMail({
      recipient: context.recipient,
      update: { ...update, changed: ['venue'] },
      seats: 1,
    });
    expect(moved.text).toContain(`The organizer changed the venue of ${title}.`);
  });

  it('event reminder: the event, the seats and the booking', () => {
    const mail = eventReminderMail({
      recipient: context.recipient,
      event: context.event,
      bookingId: booking.bookingId,
      quantity: 2,
    });
    expect(mail.subject).toBe(EVENT_REMINDER_SUBJECT);
    expect(mail.text).toContain('Hello Ada,');
    expect(mail.text).toContain(`A reminder: ${title} starts within a day, and you have 2 seats.`);
    expect(mail.text).toContain(`Booking: ${booking.bookingId}`);
    expect(mail.text).toContain('When: Thu, 24 Dec 2026, 19:30 UTC');
    expect(mail.html).toContain(escapedTitle);
    expect(mail.html).not.toContain('<script');
  });
});
