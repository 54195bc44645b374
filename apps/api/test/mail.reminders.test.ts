import { randomUUID } from 'node:crypto';
import type { ReceivedMail } from '@evently/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueEventReminders } from '../src/modules/notifications/event-reminders.job.js';
import { EVENT_REMINDER_SUBJECT } from '../src/modules/notifications/mail/templates/event-reminder.mail.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { queuedMailsSent } from './mails-settled.js';
import { payFor } from './payments.js';

const HOUR = 3_600_000;

// The reminder a day before an event: the scheduled job over a real database, the worker's mail
// sender, a real SMTP server.
describe('event reminders', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let people: SignedUp[];

  beforeAll(async () => {
    app = await startTestApp();
    organizer = await app.signUp({ role: 'organizer' });
    people = await Promise.all(
      Array.from({ length: 5 }, (_, i) => app.signUp({ name: `Reader <${i}>` })),
    );
  });
  afterAll(async () => app?.close());

  function person(i: number): SignedUp {
    const p = people[i];
    if (!p) throw new Error(`no person ${i}`);
    return p;
  }

  async function eventStartingIn(ms: number, priceCents = 1000) {
    const startsAt = new Date(Date.now() + ms);
    const event = await organizer.client.events.create.mutate({
      title: `<i>Recital</i> ${randomUUID().slice(0, 6)}`,
      venue: 'Studio & Co',
      description: '',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 2 * HOUR).toISOString(),
      capacity: 20,
      priceCents,
      currency: 'EUR',
      maxPerBooking: 3,
    });
    return organizer.client.events.publish.mutate({ id: event.id });
  }

  /** A paid booking, confirmed by its payment (its organizer marks it). */
  async function confirmedBooking(who: SignedUp, eventId: string, quantity: number) {
    const booking = await who.client.bookings.create.mutate({ eventId, quantity });
    return payFor(organizer.client, booking);
  }

  const remindersTo = (who: SignedUp, title: string): ReceivedMail[] =>
    app.smtp.messages.filter(
      (m) =>
        m.envelopeTo.includes(who.email) &&
        m.subject === EVENT_REMINDER_SUBJECT &&
        m.text.includes(title),
    );

  it('reminds each confirmed booking of an event within a day, once, however often it runs', async () => {
    const soon = await eventStartingIn(23 * HOUR);
    const later = await eventStartingIn(25 * HOUR);
    const [ada, bob, cyd, dan, eve] = [0, 1, 2, 3, 4].map(person) as [
      SignedUp,
      SignedUp,
      SignedUp,
      SignedUp,
      SignedUp,
    ];
    const adaBooking = await confirmedBooking(ada, soon.id, 2);
    // Two bookings of one person: a reminder for each.
    const bobFirst = await confirmedBooking(bob, soon.id, 1);
    const bobSecond = await confirmedBooking(bob, soon.id, 1);
    // A hold still pending, a cancelled booking: no reminder.
    await cyd.client.bookings.create.mutate({ eventId: soon.id, quantity: 1 });
    const cancelled = await confirmedBooking(dan, soon.id, 1);
    await dan.client.bookings.cancel.mutate({ bookingId: cancelled.id });
    // An event more than a day away: not yet.
    await confirmedBooking(eve, later.id, 1);

    // The job twice at once and once more: three reminders queued in all, whoever won.
    const now = new Date();
    const runs = await Promise.all([
      queueEventReminders(app.db.handle.db, now),
      queueEventReminders(app.db.handle.db, now),
    ]);
    const again = await queueEventReminders(app.db.handle.db, now);
    expect(runs[0] + runs[1] + again).toBeLessThanOrEqual(3);
    expect(again).toBe(0);
    await queuedMailsSent(app.db.handle.db);
    // And again after the mails went out (the record outlives the send).
    expect(await queueEventReminders(app.db.handle.db, new Date())).toBe(0);
    await queuedMailsSent(app.db.handle.db);

    const toAda = remindersTo(ada, soon.title);
    expect(toAda).toHaveLength(1);
    expect(toAda[0]?.envelopeTo).toEqual([ada.email]);
    expect(toAda[0]?.text).toContain('Hello Reader <0>,');
    expect(toAda[0]?.text).toContain(
      `A reminder: ${soon.title} starts within a day, and you have 2 seats.`,
    );
    expect(toAda[0]?.text).toContain(`Booking: ${adaBooking.id}`);
    expect(toAda[0]?.text).toContain('Where: Studio & Co');
    expect(toAda[0]?.html).toContain('&lt;i&gt;Recital&lt;/i&gt;');
    expect(toAda[0]?.html).toContain('Studio &amp; Co');
    expect(toAda[0]?.html).not.toContain('<i>Recital');

    const toBob = remindersTo(bob, soon.title);
    expect(toBob).toHaveLength(2);
    expect(toBob.map((m) => /Booking: (\S+)/.exec(m.text)?.[1]).sort()).toEqual(
      [bobFirst.id, bobSecond.id].sort(),
    );
    expect(remindersTo(cyd, soon.title)).toHaveLength(0);
    expect(remindersTo(dan, soon.title)).toHaveLength(0);
    expect(remindersTo(eve, later.title)).toHaveLength(0);

    const rows = await app.db.handle.db
      .selectFrom('sent_emails')
      .select(['source', 'recipient_id', 'status'])
      .where('template', '=', 'event-reminder')
      .where(
        'source',
        'in',
        [adaBooking.id, bobFirst.id, bobSecond.id].map((id) => `booking:${id}:reminder`),
      )
      .execute();
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);

    // A day later the other event's turn comes: its booking, once.
    const tomorrow = new Date(Date.now() + 2 * HOUR);
    expect(await queueEventReminders(app.db.handle.db, tomorrow)).toBe(1);
    expect(await queueEventReminders(app.db.handle.db, tomorrow)).toBe(0);
    await queuedMailsSent(app.db.handle.db);
    expect(remindersTo(eve, later.title)).toHaveLength(1);
    expect(remindersTo(ada, soon.title)).toHaveLength(1);
  });

  it('reminds no one of an event that was cancelled or has started', async () => {
    const cancelled = await eventStartingIn(20 * HOUR, 0);
    const started = await eventStartingIn(HOUR, 0);
    const who = person(0);
    // Free events: confirmed at once.
    await who.client.bookings.create.mutate({ eventId: cancelled.id, quantity: 1 });
    await who.client.bookings.create.mutate({ eventId: started.id, quantity: 1 });
    await organizer.client.events.cancel.mutate({ id: cancelled.id, reason: 'Ill' });
    // Two hours on, the second event is under way.
    expect(await queueEventReminders(app.db.handle.db, new Date(Date.now() + 2 * HOUR))).toBe(0);
  });
});
