import { describe, expect, it } from 'vitest';
import {
  type DomainEventPayload,
  type DomainTopic,
  domainEvents,
  domainTopics,
  isDomainTopic,
  parseDomainEvent,
} from './domain-events.js';

const userId = '3f0c1d2e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
const eventId = '7a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d';
const organizerId = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';
const bookingId = '9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a';
const entryId = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const at = '2026-12-01T19:30:00.000Z';
const later = '2026-12-01T22:00:00+01:00';

const person = { userId, email: 'alice@example.com', name: 'Alice' };
const otp = { ...person, otpId: entryId, expiresAt: at };
const booking = { bookingId, eventId, userId, quantity: 2 };
const money = { unitPriceCents: 2500, totalCents: 5000, currency: 'EUR' };
const entry = { entryId, eventId, userId, quantity: 3 };
const member = { ...person, organizationId: organizerId, organizationName: 'Hall' };

// A mapped type over the catalogue: adding a topic without a sample fails to typecheck.
const samples: { [T in DomainTopic]: DomainEventPayload<T> } = {
  'user.registered': person,
  'user.verification_requested': otp,
  'user.registration_attempted': person,
  'user.email_verified': person,
  'user.password_reset_requested': otp,
  'user.password_changed': { ...person, via: 'reset' },
  'user.role_changed': { userId, role: 'organizer', previousRole: 'user' },
  'user.active_changed': { userId, active: false },
  'event.created': { eventId, organizerId, title: 'Jazz night' },
  'event.updated': {
    eventId,
    organizerId,
    version: 3,
    changed: ['venue', 'startsAt'],
    title: 'Jazz night',
    venue: 'Blue Room',
    startsAt: at,
    endsAt: later,
  },
  'event.published': {
    eventId,
    organizerId,
    title: 'Jazz night',
    capacity: 120,
    priceCents: 2500,
    currency: 'EUR',
    startsAt: at,
    endsAt: later,
  },
  'event.cancelled': { eventId, organizerId, title: 'Jazz night', reason: 'Venue flooded' },
  'event.completed': { eventId, organizerId },
  'event.deleted': { eventId, organizerId },
  'booking.created': {
    ...booking,
    ...money,
    status: 'pending',
    expiresAt: at,
    waitlistEntryId: null,
  },
  'booking.confirmed': { ...booking, ...money },
  'booking.cancelled': {
    ...booking,
    ...money,
    previousStatus: 'confirmed',
    reason: null,
    cancelledBy: userId,
  },
  'booking.expired': { ...booking, ...money },
  'ticket.checked_in': {
    ticketId: entryId,
    bookingId,
    eventId,
    userId,
    listId: entryId,
    direction: 'entry',
    gate: 'North',
    at: '2026-12-24T19:30:00.000Z',
  },
  'payment.received': {
    paymentId: entryId,
    bookingId,
    eventId,
    userId,
    provider: 'stripe',
    method: 'card',
    amountCents: 5000,
    currency: 'EUR',
    reference: 'pi_123',
  },
  'refund.requested': {
    refundId: entryId,
    bookingId,
    eventId,
    userId,
    paymentId: entryId,
    provider: 'manual',
    amountCents: 4500,
    currency: 'EUR',
    reason: 'cancelled by the attendee',
    cause: 'attendee_cancelled',
    feeCents: 500,
  },
  'refund.succeeded': {
    refundId: entryId,
    bookingId,
    eventId,
    userId,
    amountCents: 4500,
    currency: 'EUR',
    reference: 're_123',
  },
  'waitlist.joined': entry,
  'waitlist.offered': { ...entry, bookingId, offerExpiresAt: at },
  'waitlist.offer_expired': { ...entry, bookingId },
  'waitlist.converted': { ...entry, bookingId },
  'waitlist.left': entry,
  'waitlist.closed': { ...entry, reason: 'event cancelled' },
  'organization.invitation_created': {
    invitationId: entryId,
    organizationId: organizerId,
    organizationName: 'Hall',
    email: 'bob@example.com',
    role: 'staff',
    invitedBy: userId,
    inviterName: 'Alice',
    expiresAt: at,
  },
  'organization.member_added': {
    ...member,
    role: 'staff',
    addedBy: organizerId,
  },
  'organization.member_role_changed': {
    ...member,
    role: 'manager',
    previousRole: 'staff',
    changedBy: organizerId,
  },
  'organization.member_removed': { ...member, previousRole: 'viewer', removedBy: userId },
  'webhook.test_requested': { webhookId: entryId, organizationId: organizerId, requestedBy: null },
  'webhook.disabled': {
    ...member,
    webhookId: entryId,
    url: 'https://hooks.example.com/evently',
    failingSince: at,
  },
};

// A value no field of the catalogue accepts (not a string, number, boolean, array or null).
const wrongType = { unexpected: true };

describe('domain-event catalogue', () => {
  it('has a sample for exactly the catalogued topics', () => {
    expect(Object.keys(samples).sort()).toEqual([...domainTopics].sort());
    expect(domainTopics.length).toBeGreaterThan(0);
  });

  it('isDomainTopic knows catalogued topics only', () => {
    for (const topic of domainTopics) expect(isDomainTopic(topic)).toBe(true);
    for (const bad of ['booking.teleported', 'toString', '__proto__', '']) {
      expect(isDomainTopic(bad)).toBe(false);
    }
  });

  describe.each(domainTopics)('%s', (topic) => {
    const sample: Record<string, unknown> = samples[topic];

    it('parses its sample payload and reports the catalogue version', () => {
      const parsed = parseDomainEvent(topic, sample);
      expect(parsed.payload).toEqual(sample);
      expect(parsed.version).toBe(domainEvents[topic].version);
      expect(Number.isInteger(parsed.version) && parsed.version >= 1).toBe(true);
    });

    it('rejects a payload missing any field', () => {
      for (const field of Object.keys(sample)) {
        const { [field]: _dropped, ...rest } = sample;
        expect(() => parseDomainEvent(topic, rest), `without ${field}`).toThrow();
      }
    });

    it('rejects a payload with any field of the wrong type', () => {
      for (const field of Object.keys(sample)) {
        const bad = { ...sample, [field]: wrongType };
        expect(() => parseDomainEvent(topic, bad), `bad ${field}`).toThrow();
      }
    });

    it('rejects a non-object payload', () => {
      expect(() => parseDomainEvent(topic, null)).toThrow();
      expect(() => parseDomainEvent(topic, 'payload')).toThrow();
    });
  });

  it('keeps one-time codes out of events: a code given is dropped from the payload', () => {
    for (const topic of ['user.verification_requested', 'user.password_reset_requested'] as const) {
      const { payload } = parseDomainEvent(topic, { ...otp, code: '042137' });
      expect(payload).toEqual(otp);
      expect(JSON.stringify(payload)).not.toContain('042137');
    }
  });

  it('checks formats, not only types', () => {
    expect(() =>
      parseDomainEvent('user.verification_requested', { ...otp, otpId: '12345' }),
    ).toThrow();
    expect(() => parseDomainEvent('user.registered', { ...person, email: 'nope' })).toThrow();
    expect(() =>
      parseDomainEvent('booking.confirmed', { ...booking, ...money, bookingId: 'b-1' }),
    ).toThrow();
    expect(() =>
      parseDomainEvent('booking.confirmed', { ...booking, ...money, quantity: 0 }),
    ).toThrow();
    expect(() =>
      parseDomainEvent('booking.confirmed', { ...booking, ...money, totalCents: -1 }),
    ).toThrow();
    expect(() =>
      parseDomainEvent('waitlist.offered', { ...entry, bookingId, offerExpiresAt: 'soon' }),
    ).toThrow();
    expect(() =>
      parseDomainEvent('booking.created', { ...samples['booking.created'], status: 'held' }),
    ).toThrow();
  });
});
