import { randomUUID } from 'node:crypto';
import type { DomainEventPayload } from '@evently/contracts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createMailConsumer } from './mail.consumer.js';
import type {
  MailContext,
  MailTemplateCatalogue,
  MailTemplateMap,
  OneTimeCodeContext,
  RenderedMail,
  UserEventContext,
} from './mail-template.js';
import {
  type AddressedMailTopic,
  isAddressedMailTopic,
  isOneTimeCodeTopic,
  type MailTopic,
  mailTemplates,
  mailTopics,
  renderMail,
  templateNames,
  type UserEventMailTopic,
} from './mail-templates.js';
import { bookingConfirmedMail } from './templates/booking-confirmed.mail.js';
import { EVENT_CANCELLED_TEMPLATE } from './templates/event-cancelled.mail.js';
import { EVENT_REMINDER_TEMPLATE } from './templates/event-reminder.mail.js';
import { EVENT_UPDATED_TEMPLATE } from './templates/event-updated.mail.js';
import { passwordChangedMail } from './templates/password-changed.mail.js';
import { welcomeMail } from './templates/welcome.mail.js';

const authMailTopics = [
  'user.verification_requested',
  'user.registration_attempted',
  'user.email_verified',
  'user.password_reset_requested',
  'user.password_changed',
  'organization.invitation_created',
  'organization.member_added',
  'organization.member_role_changed',
  'organization.member_removed',
  'webhook.disabled',
] as const;

const paymentMailTopics = ['payment.received', 'refund.requested', 'refund.succeeded'] as const;

// Mails to the account and about the event a payload names (the consumer looks both up).
const bookingMailTopics = [
  'booking.confirmed',
  'booking.cancelled',
  'booking.expired',
  'waitlist.joined',
  'waitlist.offered',
  'waitlist.closed',
  ...paymentMailTopics,
] as const;

const person = { userId: randomUUID(), email: 'ada@example.com', name: 'Ada' };
const otp = { ...person, otpId: randomUUID(), expiresAt: '2026-11-03T14:05:00.000Z' };
const code = { code: '123456' };
const booking = {
  bookingId: randomUUID(),
  eventId: randomUUID(),
  userId: person.userId,
  quantity: 2,
  unitPriceCents: 1250,
  totalCents: 2500,
  currency: 'EUR',
};
const entry = {
  entryId: randomUUID(),
  eventId: booking.eventId,
  userId: person.userId,
  quantity: 3,
};
const offerExpiresAt = '2026-11-03T14:35:59.000Z';
const orgName = 'Blue <Note> & "Co"';
const member = { ...person, organizationId: randomUUID(), organizationName: orgName };
const money = { bookingId: booking.bookingId, eventId: booking.eventId, userId: person.userId };
const paymentSamples: { [K in (typeof paymentMailTopics)[number]]: DomainEventPayload<K> } = {
  'payment.received': {
    ...money,
    paymentId: randomUUID(),
    provider: 'manual',
    method: 'transfer',
    amountCents: 2500,
    currency: 'EUR',
    reference: 'INV <42> & "co"',
  },
  'refund.requested': {
    ...money,
    refundId: randomUUID(),
    paymentId: randomUUID(),
    provider: 'stripe',
    amountCents: 2500,
    currency: 'EUR',
    reason: 'event cancelled',
    cause: 'late_payment',
    feeCents: 0,
  },
  'refund.succeeded': {
    ...money,
    refundId: randomUUID(),
    amountCents: 2500,
    currency: 'EUR',
    reference: 're_123',
  },
};
const samples: { [K in MailTopic]: DomainEventPayload<K> } = {
  'user.verification_requested': otp,
  'user.registration_attempted': person,
  'user.email_verified': person,
  'user.password_reset_requested': otp,
  'user.password_changed': { ...person, via: 'change' },
  'booking.confirmed': booking,
  'booking.cancelled': {
    ...booking,
    previousStatus: 'confirmed',
    reason: 'event cancelled: <storm> & "hail"',
    cancelledBy: null,
  },
  'booking.expired': booking,
  'waitlist.joined': entry,
  'waitlist.offered': { ...entry, bookingId: booking.bookingId, offerExpiresAt },
  'waitlist.closed': { ...entry, reason: 'Queue <closed> & "done"' },
  'organization.invitation_created': {
    invitationId: randomUUID(),
    organizationId: randomUUID(),
    organizationName: orgName,
    email: person.email,
    role: 'staff',
    invitedBy: randomUUID(),
    inviterName: 'Grace',
    expiresAt: '2026-11-10T14:05:00.000Z',
  },
  'organization.member_added': { ...member, role: 'staff', addedBy: randomUUID() },
  'organization.member_role_changed': {
    ...member,
    role: 'manager',
    previousRole: 'staff',
    changedBy: randomUUID(),
  },
  'organization.member_removed': { ...member, previousRole: 'owner', removedBy: randomUUID() },
  'webhook.disabled': {
    ...member,
    webhookId: randomUUID(),
    url: 'https://hooks.example.com/<evently>',
    failingSince: '2026-11-28T09:15:00.000Z',
  },
  ...paymentSamples,
};

const title = `<script>alert("x")</script> Rock & Roll's Night`;
const escapedTitle =
  '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Rock &amp; Roll&#39;s Night';
const context: UserEventContext = {
  recipient: { email: person.email, name: person.name },
  event: { title, venue: 'Hall <A>', startsAt: '2026-12-24T19:30:00.000Z' },
};

function render<T extends MailTopic>(topic: T): RenderedMail {
  const lookups = isOneTimeCodeTopic(topic) ? code : undefined;
  const second = (isAddressedMailTopic(topic) ? lookups : context) as MailContext<T>;
  return renderMail(topic, samples[topic], second);
}

describe('mail templates', () => {
  it('type: every subscribed topic has a template of its own payload', () => {
    expectTypeOf<AddressedMailTopic>().toEqualTypeOf<(typeof authMailTopics)[number]>();
    expectTypeOf<UserEventMailTopic>().toEqualTypeOf<(typeof bookingMailTopics)[number]>();
    expectTypeOf(mailTemplates).toExtend<MailTemplateMap<MailTopic>>();
    expectTypeOf<MailContext<'booking.expired'>>().toEqualTypeOf<UserEventContext>();
    expectTypeOf<MailContext<'user.email_verified'>>().toEqualTypeOf<undefined>();
    expectTypeOf<
      MailContext<'user.password_reset_requested'>
    >().toEqualTypeOf<OneTimeCodeContext>();
    // These lines are the test: `tsc -p .` fails if any of them typechecks.
    // @ts-expect-error a map missing a subscribed topic's template
    const missing: MailTemplateMap<'user.email_verified' | 'user.password_changed'> = {
      'user.email_verified': welcomeMail,
    };
    const wrongPayload = {
      // @ts-expect-error a template of another payload (this one needs `via`) for a topic
      'user.email_verified': passwordChangedMail,
    } satisfies MailTemplateCatalogue;
    const unmailable = {
      // @ts-expect-error a topic whose payload has no email address nor user and event
      'event.created': welcomeMail,
    } satisfies MailTemplateCatalogue;
    const needsLookups = {
      // @ts-expect-error a booking template (needs the looked-up recipient) on an auth topic
      'user.email_verified': bookingConfirmedMail,
    } satisfies MailTemplateCatalogue;
    const wrongBookingPayload = {
      // @ts-expect-error a template of another booking payload (this one needs offerExpiresAt)
      'waitlist.joined': mailTemplates['waitlist.offered'],
    } satisfies MailTemplateCatalogue;
    expect([missing, wrongPayload, unmailable, needsLookups, wrongBookingPayload]).toHaveLength(5);
  });

  it('the consumer subscribes to exactly the topics that have a template', () => {
    const consumer = createMailConsumer();
    expect(consumer.name).toBe('mail');
    // One-to-one templates, plus the fan-out of an event's change to its attendees.
    expect([...consumer.topics].sort()).toEqual(
      [...authMailTopics, ...bookingMailTopics, 'event.updated'].sort(),
    );
    expect([...mailTopics].sort()).toEqual([...authMailTopics, ...bookingMailTopics].sort());
    expect(Object.keys(templateNames).sort()).toEqual([...mailTopics].sort());
    expect(new Set(Object.values(templateNames)).size).toBe(mailTopics.length);
    for (const topic of mailTopics) {
      expect(typeof (mailTemplates as Record<string, unknown>)[topic], topic).toBe('function');
    }
    for (const topic of authMailTopics) expect(isAddressedMailTopic(topic)).toBe(true);
    for (const topic of bookingMailTopics) expect(isAddressedMailTopic(topic)).toBe(false);
    expect(mailTopics.filter(isOneTimeCodeTopic).sort()).toEqual([
      'organization.invitation_created',
      'user.password_reset_requested',
      'user.verification_requested',
    ]);
  });

  it.each(mailTopics)('%s renders a one-line subject, a text and an HTML document', (topic) => {
    const mail = render(topic);
    expect(mail.subject).toMatch(
      /^Your Evently|^You already|^Welcome|^You are on|^Seats are|^You are invited|^You joined|^You were|^Your role/,
    );
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).not.toContain(person.name);
    // An invitation may go to an address without an account: it greets nobody by name.
    const hello = topic === 'organization.invitation_created' ? 'Hello,' : 'Hello Ada,';
    expect(mail.text).toContain(hello);
    expect(mail.text).toContain('This mail was sent to ada@example.com.');
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.html).toContain(`<p>${hello}</p>`);
    expect(mail.html).toContain('This mail was sent to ada@example.com.');
  });

  it.each(bookingMailTopics)(
    '%s names the event: raw in the text, escaped in the HTML',
    (topic) => {
      const mail = render(topic);
      expect(mail.subject).not.toContain('Rock');
      expect(mail.text).toContain(`Event: ${title}`);
      expect(mail.text).toContain('Where: Hall <A>');
      expect(mail.text).toContain('When: Thu, 24 Dec 2026, 19:30 UTC');
      expect(mail.html).toContain(escapedTitle);
      expect(mail.html).toContain('Hall &lt;A&gt;');
      expect(mail.html).toContain(
        '<time datetime="2026-12-24T19:30:00.000Z">Thu, 24 Dec 2026, 19:30 UTC</time>',
      );
      expect(mail.html).not.toContain('<script');
      expect(mail.html).not.toContain('<A>');
    },
  );

  it('says what happened, with the amounts, seats and deadline of each booking mail', () => {
    const confirmed = render('booking.confirmed');
    expect(confirmed.subject).toBe('Your Evently booking is confirmed');
    expect(confirmed.text).toContain('Your booking of 2 seats is confirmed.');
    expect(confirmed.text).toContain('Total: EUR 25.00');
    expect(confirmed.text).toContain(`Booking: ${booking.bookingId}`);

    const cancelled = render('booking.cancelled');
    expect(cancelled.subject).toBe('Your Evently booking was cancelled');
    expect(cancelled.text).toContain('Your booking of 2 seats was cancelled');
    expect(cancelled.text).toContain('Reason given: event cancelled: <storm> & "hail"');
    expect(cancelled.html).toContain(
      'Reason given: event cancelled: &lt;storm&gt; &amp; &quot;hail&quot;',
    );
    const heldCancelled = renderMail(
      'booking.cancelled',
      { ...samples['booking.cancelled'], previousStatus: 'pending', reason: null },
      context,
    );
    expect(heldCancelled.text).toContain('Your hold on 2 seats was cancelled');
    expect(heldCancelled.text).not.toContain('Reason given');

    const expired = render('booking.expired');
    expect(expired.subject).toBe('Your Evently hold has expired');
    expect(expired.text).toContain('Your hold on 2 seats was not confirmed in time');

    const joined = render('waitlist.joined');
    expect(joined.subject).toBe('You are on the Evently waitlist');
    expect(joined.text).toContain('You are on the waitlist for 3 seats.');
    expect(joined.text).toContain('Seats: 3');

    const offer = render('waitlist.offered');
    expect(offer.subject).toBe('Seats are waiting for you on Evently');
    expect(offer.text).toContain('3 seats freed up');
    // Minutes are rounded down: a reader never counts on an offer for longer than it lives.
    expect(offer.text).toContain(
      `Confirm the booking in Evently before Tue, 3 Nov 2026, 14:35 UTC (${offerExpiresAt}).`,
    );
    expect(offer.html).toContain(
      `<time datetime="${offerExpiresAt}">Tue, 3 Nov 2026, 14:35 UTC</time>`,
    );
    expect(offer.text).toContain('the offer lapses and the seats go to the next person');
  });

  it('greets without a name when the account has none', () => {
    const mail = renderMail('user.email_verified', { ...person, name: '  ' }, undefined);
    expect(mail.text).toContain('Hello,');
    expect(mail.html).toContain('<p>Hello,</p>');
    const booked = renderMail('booking.confirmed', booking, {
      ...context,
      recipient: { email: person.email, name: '' },
    });
    expect(booked.html).toContain('<p>Hello,</p>');
  });

  it('waitlist.closed (not by a cancellation) says the queue closed, with the reason escaped', () => {
    const mail = render('waitlist.closed');
    expect(mail.subject).toBe('Your Evently waitlist place was closed');
    expect(mail.text).toContain('The waitlist you were on for 3 seats was closed');
    expect(mail.text).toContain('Reason given: Queue <closed> & "done"');
    expect(mail.html).toContain('Reason given: Queue &lt;closed&gt; &amp; &quot;done&quot;');
  });

  it('has a distinct sent_emails name for each mail that is not one per topic', () => {
    const special = [EVENT_CANCELLED_TEMPLATE, EVENT_UPDATED_TEMPLATE, EVENT_REMINDER_TEMPLATE];
    const all = [...special, ...Object.values(templateNames)];
    expect(new Set(all).size).toBe(all.length);
  });
});
