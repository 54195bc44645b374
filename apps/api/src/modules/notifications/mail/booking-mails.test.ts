import { randomUUID } from 'node:crypto';
import type { DomainEventPayload } from '@evently/contracts';
import { personalOrganization } from '@evently/db/testing/personal-organization';
import { deliverEvent } from '@evently/platform';
import { describe, expect, it } from 'vitest';
import { useMailConsumer } from '../../../../test/mail-consumer.fixtures.js';
import { authRepository } from '../../auth/auth.repository.js';
import { eventsRepository } from '../../events/events.repository.js';
import type { UserEventMailTopic } from './mail-templates.js';

type BookingMailEvent = {
  [K in UserEventMailTopic]: { topic: K; payload: DomainEventPayload<K> };
}[UserEventMailTopic];

const title = `<img src=x onerror="alert(1)"> Jazz & Blues`;
const escapedTitle = '&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Jazz &amp; Blues';
const startsAt = new Date('2026-12-24T19:30:00.000Z');

// The booking and waitlist mails through the mail consumer, on a real database (the recipient
// and the event are looked up there) and a real SMTP server.
describe('booking and waitlist mails', () => {
  const { rig, deliver, publish, mailsTo } = useMailConsumer();

  /** A user and an event of theirs, written through the owning modules' repositories. */
  async function fixture(name = 'Grace Hopper') {
    return rig()
      .test.handle.db.transaction()
      .execute(async (trx) => {
        const user = await authRepository.insertUser(trx, {
          id: randomUUID(),
          email: `grace+${randomUUID().slice(0, 8)}@example.com`,
          name,
          password_hash: 'not-a-hash',
        });
        const event = await eventsRepository.insert(trx, {
          id: randomUUID(),
          organizer_id: user.id,
          organization_id: await personalOrganization(trx, user.id),
          status: 'published',
          title,
          description: '',
          venue: 'Blue Note',
          starts_at: startsAt,
          ends_at: new Date(startsAt.getTime() + 7_200_000),
          capacity: 10,
          price_cents: 1500,
          currency: 'EUR',
          max_per_booking: 4,
          updated_at: new Date(),
        });
        return { user, event };
      });
  }

  function events(userId: string, eventId: string): { label: string; event: BookingMailEvent }[] {
    const booking = {
      bookingId: randomUUID(),
      eventId,
      userId,
      quantity: 2,
      unitPriceCents: 1500,
      totalCents: 3000,
      currency: 'EUR',
    };
    const entry = { entryId: randomUUID(), eventId, userId, quantity: 2 };
    return [
      { label: 'confirmed', event: { topic: 'booking.confirmed', payload: booking } },
      {
        label: 'cancelled',
        event: {
          topic: 'booking.cancelled',
          payload: { ...booking, previousStatus: 'confirmed', reason: null, cancelledBy: userId },
        },
      },
      { label: 'expired', event: { topic: 'booking.expired', payload: booking } },
      { label: 'joined', event: { topic: 'waitlist.joined', payload: entry } },
      {
        label: 'offered',
        event: {
          topic: 'waitlist.offered',
          payload: {
            ...entry,
            bookingId: booking.bookingId,
            offerExpiresAt: '2026-12-01T10:15:00.000Z',
          },
        },
      },
    ];
  }

  it.each([
    ['booking.confirmed', 'Your Evently booking is confirmed', 'is confirmed'],
    ['booking.cancelled', 'Your Evently booking was cancelled', 'was cancelled'],
    ['booking.expired', 'Your Evently hold has expired', 'expired'],
    ['waitlist.joined', 'You are on the Evently waitlist', 'on the waitlist for 2 seats'],
    ['waitlist.offered', 'Seats are waiting for you on Evently', 'Tue, 1 Dec 2026, 10:15 UTC'],
  ] as const)(
    '%s goes to the account the payload names, about its event, once',
    async (topic, subject, says) => {
      const { user, event } = await fixture();
      const found = events(user.id, event.id).find((c) => c.event.topic === topic);
      if (!found) throw new Error(topic);
      const job = await publish(found.event);
      expect(await deliver(job)).toBe('applied');
      expect(await deliver(job)).toBe('duplicate');
      const mails = mailsTo(user.email);
      expect(mails).toHaveLength(1);
      const [mail] = mails;
      expect(mail?.envelopeTo).toEqual([user.email]);
      expect(mail?.subject).toBe(subject);
      expect(mail?.text).toContain('Hello Grace Hopper,');
      expect(mail?.text).toContain(`Event: ${title}`);
      expect(mail?.text).toContain('When: Thu, 24 Dec 2026, 19:30 UTC');
      expect(mail?.text).toContain(says);
      expect(mail?.html).toContain(escapedTitle);
      expect(mail?.html).not.toContain('<img');
      expect(mail?.html).toContain(says);
    },
  );

  it('escapes the account name in the HTML and keeps it as it is in the text', async () => {
    const name = '<b>Bobby</b> "Tables"';
    const { user, event } = await fixture(name);
    for (const { event: e } of events(user.id, event.id)) {
      await deliver(await publish(e));
    }
    const mails = mailsTo(user.email);
    expect(mails).toHaveLength(5);
    for (const mail of mails) {
      expect(mail.text).toContain(`Hello ${name},`);
      expect(mail.html).toContain('<p>Hello &lt;b&gt;Bobby&lt;/b&gt; &quot;Tables&quot;,</p>');
      expect(mail.html).not.toContain('<b>Bobby');
    }
  });

  it('reads the name and title as they are when the mail is sent', async () => {
    const { user, event } = await fixture();
    const [confirmed] = events(user.id, event.id);
    if (!confirmed) throw new Error('confirmed expected');
    const job = await publish(confirmed.event);
    await rig()
      .test.handle.db.transaction()
      .execute(async (trx) => {
        await authRepository.updateUser(trx, user.id, { name: 'Rear Admiral Hopper' });
        await eventsRepository.update(trx, event.id, event.version, { title: 'Renamed & moved' });
      });
    await deliver(job);
    const [mail] = mailsTo(user.email);
    expect(mail?.text).toContain('Hello Rear Admiral Hopper,');
    expect(mail?.text).toContain('Event: Renamed & moved');
    expect(mail?.html).toContain('Renamed &amp; moved');
  });

  it('sends exactly one mail when duplicates of a job are delivered at once', async () => {
    const { user, event } = await fixture();
    const offered = events(user.id, event.id).at(-1);
    if (!offered) throw new Error('offered expected');
    const job = await publish(offered.event);
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => deliverEvent(rig().test.handle.db, rig().consumer, { ...job })),
    );
    expect(outcomes.sort()).toEqual(['applied', 'duplicate', 'duplicate']);
    await Promise.all([rig().sender.sendDue(), rig().sender.sendDue()]);
    expect(mailsTo(user.email)).toHaveLength(1);
  });

  it('sends nothing (and is done) when the event it is about is gone', async () => {
    const { user } = await fixture();
    const [confirmed] = events(user.id, randomUUID());
    if (!confirmed) throw new Error('confirmed expected');
    const job = await publish(confirmed.event);
    expect(await deliver(job)).toBe('applied');
    expect(mailsTo(user.email)).toHaveLength(0);
  });
});
