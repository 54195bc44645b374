import { randomUUID } from 'node:crypto';
import type { EventInput } from '@evently/contracts';
import { consumerQueueName, toDeliveryJob } from '@evently/platform';
import type { ReceivedMail } from '@evently/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIL_CONSUMER_NAME } from '../src/modules/notifications/mail/mail.consumer.js';
import { EVENT_CANCELLED_SUBJECT } from '../src/modules/notifications/mail/templates/event-cancelled.mail.js';
import { EVENT_UPDATED_SUBJECT } from '../src/modules/notifications/mail/templates/event-updated.mail.js';
import { WAITLIST_CLOSED_SUBJECT } from '../src/modules/notifications/mail/templates/waitlist-closed.mail.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { mailsSettled } from './mails-settled.js';
import { payFor } from './payments.js';

const HOUR = 3_600_000;
const BOOKING_CANCELLED = 'Your Evently booking was cancelled';

// The mails of an event's life that concern many people, end to end: the SDK over HTTP, the
// outbox, the worker's consumers and mail sender, Postgres, Redis and a real SMTP server.
describe('event mails', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let people: SignedUp[];

  beforeAll(async () => {
    app = await startTestApp();
    organizer = await app.signUp({ role: 'organizer', name: 'Olga Organizer' });
    people = [];
    for (let i = 0; i < 12; i += 4) {
      const group = Array.from({ length: 4 }, (_, k) => app.signUp({ name: `Guest <${i + k}>` }));
      people.push(...(await Promise.all(group)));
    }
  });
  afterAll(async () => app?.close());

  function person(i: number): SignedUp {
    const p = people[i];
    if (!p) throw new Error(`no person ${i}`);
    return p;
  }

  async function publishedEvent(overrides: Partial<EventInput> = {}) {
    const startsAt = new Date(Date.now() + 10 * 24 * HOUR);
    const event = await organizer.client.events.create.mutate({
      title: `<b>Gala</b> ${randomUUID().slice(0, 6)} & "friends"`,
      venue: 'Old Hall',
      description: '',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 2 * HOUR).toISOString(),
      capacity: 3,
      priceCents: 1000,
      currency: 'EUR',
      maxPerBooking: 2,
      ...overrides,
    });
    return organizer.client.events.publish.mutate({ id: event.id });
  }

  /** Mails to `who` with that subject that are about the event of that title. */
  const mailsTo = (who: SignedUp, subject: string, title: string): ReceivedMail[] =>
    app.smtp.messages.filter(
      (m) => m.envelopeTo.includes(who.email) && m.subject === subject && m.text.includes(title),
    );

  it('sends each attendee and each waiter one mail when the event is cancelled', async () => {
    const event = await publishedEvent();
    const [holder, outsider, quitter, w1, w2] = [0, 1, 2, 3, 4].map(person) as [
      SignedUp,
      SignedUp,
      SignedUp,
      SignedUp,
      SignedUp,
    ];
    // Someone who booked and cancelled before is no longer an attendee.
    const gone = await quitter.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await quitter.client.bookings.cancel.mutate({ bookingId: gone.id });
    // Two (paid) bookings of one person: still one mail, listing both.
    const first = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await payFor(organizer.client, first);
    const second = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await payFor(organizer.client, second);
    const held = await outsider.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await w1.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    await w2.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 });
    // The holder queues too: a booking and a waitlist place, one mail.
    await holder.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });

    const reason = 'Roof <leak> & "mould"';
    await organizer.client.events.cancel.mutate({ id: event.id, reason });
    await expect
      .poll(async () => (await w2.client.bookings.waitlist.mine.query()).map((e) => e.status), {
        timeout: 15_000,
      })
      .toEqual(['closed']);
    await mailsSettled(app.db.handle.db);

    for (const who of [holder, outsider, w1, w2]) {
      expect(mailsTo(who, EVENT_CANCELLED_SUBJECT, event.title), who.email).toHaveLength(1);
      // Not also a booking-cancelled mail per booking the cancellation took.
      expect(mailsTo(who, BOOKING_CANCELLED, event.title), who.email).toHaveLength(0);
    }
    expect(mailsTo(quitter, EVENT_CANCELLED_SUBJECT, event.title)).toHaveLength(0);
    expect(mailsTo(quitter, BOOKING_CANCELLED, event.title)).toHaveLength(1);
    expect(mailsTo(organizer, EVENT_CANCELLED_SUBJECT, event.title)).toHaveLength(0);

    const [toHolder] = mailsTo(holder, EVENT_CANCELLED_SUBJECT, event.title);
    expect(toHolder?.envelopeTo).toEqual([holder.email]);
    expect(toHolder?.text).toContain('Hello Guest <0>,');
    expect(toHolder?.text).toContain(`The organizer cancelled ${event.title}.`);
    expect(toHolder?.text).toContain(`Reason given: ${reason}`);
    for (const booking of [first, second]) {
      expect(toHolder?.text).toContain(
        `Your booking of 1 seat (EUR 10.00, booking ${booking.id}) is cancelled.`,
      );
    }
    expect(toHolder?.text).toContain('Your place on the waitlist for 1 seat is closed.');
    const html = toHolder?.html ?? '';
    expect(html).toContain('<p>Hello Guest &lt;0&gt;,</p>');
    expect(html).toContain('&lt;b&gt;Gala&lt;/b&gt;');
    expect(html).toContain('Reason given: Roof &lt;leak&gt; &amp; &quot;mould&quot;');
    expect(html).not.toContain('<b>Gala');

    const [toOutsider] = mailsTo(outsider, EVENT_CANCELLED_SUBJECT, event.title);
    expect(toOutsider?.text).toContain(`Your hold on 1 seat (booking ${held.id}) is released.`);
    const [toWaiter] = mailsTo(w2, EVENT_CANCELLED_SUBJECT, event.title);
    expect(toWaiter?.text).toContain('Your place on the waitlist for 2 seats is closed.');
    expect(toWaiter?.text).not.toContain('booking of');

    // One sent_emails record per person, under the event's cancellation.
    const rows = await app.db.handle.db
      .selectFrom('sent_emails')
      .select(['recipient_id', 'status'])
      .where('source', '=', `event:${event.id}:cancelled`)
      .execute();
    expect(rows.map((r) => r.recipient_id).sort()).toEqual(
      [holder, outsider, w1, w2].map((p) => p.tokens.user.id).sort(),
    );
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
  });

  it('tells attendees, and only them, when the event moves in time or place', async () => {
    const event = await publishedEvent();
    const [booked, holding, waiting, left] = [5, 6, 7, 8].map(person) as [
      SignedUp,
      SignedUp,
      SignedUp,
      SignedUp,
    ];
    const gone = await left.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await left.client.bookings.cancel.mutate({ bookingId: gone.id });
    const booking = await booked.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    await payFor(organizer.client, booking);
    await holding.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await waiting.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });

    // A change attendees need not hear about: no mail.
    const renamed = await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: event.version,
      patch: { description: 'Now with a dress code' },
    });
    const startsAt = new Date(Date.parse(event.startsAt) + 2 * 24 * HOUR);
    const endsAt = new Date(startsAt.getTime() + 3 * HOUR);
    await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: renamed.version,
      patch: {
        venue: 'New <Hall> & Annex',
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
      },
    });
    await mailsSettled(app.db.handle.db);

    for (const who of [booked, holding]) {
      expect(mailsTo(who, EVENT_UPDATED_SUBJECT, event.title), who.email).toHaveLength(1);
    }
    for (const who of [waiting, left, organizer]) {
      expect(mailsTo(who, EVENT_UPDATED_SUBJECT, event.title), who.email).toHaveLength(0);
    }
    const [mail] = mailsTo(booked, EVENT_UPDATED_SUBJECT, event.title);
    expect(mail?.text).toContain(`The organizer changed the time and the venue of ${event.title}.`);
    expect(mail?.text).toContain('Where: New <Hall> & Annex');
    expect(mail?.text).toContain('You keep your 2 seats.');
    expect(mail?.html).toContain('New &lt;Hall&gt; &amp; Annex');
    expect(mail?.html).toContain(`<time datetime="${startsAt.toISOString()}">`);
    expect(mail?.html).not.toContain('<Hall>');
    const [toHolder] = mailsTo(holding, EVENT_UPDATED_SUBJECT, event.title);
    expect(toHolder?.text).toContain('You keep your 1 seat.');
  });

  it('sends nothing twice when the same domain event is delivered again', async () => {
    const event = await publishedEvent();
    const [a, b] = [9, 10].map(person) as [SignedUp, SignedUp];
    await a.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await b.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: event.version,
      patch: { venue: 'Elsewhere' },
    });
    await mailsSettled(app.db.handle.db);
    expect(mailsTo(a, EVENT_UPDATED_SUBJECT, event.title)).toHaveLength(1);
    expect(mailsTo(b, EVENT_UPDATED_SUBJECT, event.title)).toHaveLength(1);

    // The event again, as if processed_events had never committed (the worker died after the
    // mails went out) and the reconciler enqueued it twice more under new job ids.
    const { db } = app.db.handle;
    const row = await db
      .selectFrom('outbox')
      .select(['id', 'topic', 'version', 'payload', 'occurred_at'])
      .where('aggregate_id', '=', event.id)
      .where('topic', '=', 'event.updated')
      .executeTakeFirstOrThrow();
    await db
      .deleteFrom('processed_events')
      .where('event_id', '=', row.id)
      .where('consumer', '=', MAIL_CONSUMER_NAME)
      .execute();
    const job = toDeliveryJob(row);
    await app.platform.queue.addBulk(consumerQueueName(MAIL_CONSUMER_NAME), [
      { name: row.topic, data: job, options: { jobId: `${row.id}.r91` } },
      { name: row.topic, data: job, options: { jobId: `${row.id}.r92` } },
    ]);
    await expect
      .poll(
        async () =>
          (
            await db
              .selectFrom('processed_events')
              .select('event_id')
              .where('event_id', '=', row.id)
              .where('consumer', '=', MAIL_CONSUMER_NAME)
              .execute()
          ).length,
        { timeout: 15_000 },
      )
      .toBe(1);
    await mailsSettled(app.db.handle.db);
    expect(mailsTo(a, EVENT_UPDATED_SUBJECT, event.title)).toHaveLength(1);
    expect(mailsTo(b, EVENT_UPDATED_SUBJECT, event.title)).toHaveLength(1);
  });

  it('tells a waiter passed over for the per-person limit that their place was closed', async () => {
    const event = await publishedEvent({ capacity: 4, maxPerBooking: 2, maxPerUser: 4 });
    const [a, b, holder] = [11, 3, 4].map(person) as [SignedUp, SignedUp, SignedUp];
    await a.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    await a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 });
    await b.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: event.version,
      patch: { maxPerUser: 2 },
    });
    await holder.client.bookings.cancel.mutate({ bookingId: hold.id });
    await mailsSettled(app.db.handle.db);

    const closed = mailsTo(a, WAITLIST_CLOSED_SUBJECT, event.title);
    expect(closed).toHaveLength(1);
    expect(closed[0]?.text).toContain('The waitlist you were on for 2 seats was closed');
    expect(closed[0]?.text).toMatch(/Reason given: .*over the limit of 2 seats per person/);
    expect(closed[0]?.html).toContain('&lt;b&gt;Gala&lt;/b&gt;');
    // Not an event cancellation: nobody hears that the event was cancelled.
    expect(mailsTo(a, EVENT_CANCELLED_SUBJECT, event.title)).toHaveLength(0);
    expect(mailsTo(b, WAITLIST_CLOSED_SUBJECT, event.title)).toHaveLength(0);
  });
});
