import { z } from 'zod';

/**
 * The domain-event catalogue: every topic a module may append to the outbox, with its payload
 * schema and version. Consumers parse payloads with these schemas, so a producer and a consumer
 * can never silently disagree. A breaking change to a payload gets a new version number.
 */
const id = z.uuid();
const instant = z.iso.datetime({ offset: true });
const cents = z.number().int().nonnegative();
const currency = z.string().length(3);
const bookingStatus = z.enum(['pending', 'confirmed', 'cancelled', 'expired']);

const person = { userId: id, email: z.email(), name: z.string() };
/**
 * v2: the code itself is not in the event (it would sit in the outbox and the queue in plaintext);
 * the mail consumer takes it from the code's row, named by otpId.
 */
const otpMail = { ...person, otpId: id, expiresAt: instant };
const bookingRef = {
  bookingId: id,
  eventId: id,
  userId: id,
  quantity: z.number().int().positive(),
};
const money = { unitPriceCents: cents, totalCents: cents, currency };
const memberRole = z.enum(['owner', 'manager', 'staff', 'viewer']);
const membership = { organizationId: id, organizationName: z.string() };
const waitlistRef = {
  entryId: id,
  eventId: id,
  userId: id,
  quantity: z.number().int().positive(),
  // The line it waits in (the waitlist is per ticket type); absent in older events.
  ticketTypeId: id.optional(),
};

function topic<S extends z.ZodType>(version: number, payload: S) {
  return { version, payload };
}

export const domainEvents = {
  // auth
  'user.registered': topic(
    1,
    // emailVerified: created verified (the ADMIN_EMAIL account); absent in older events.
    z.object({ ...person, emailVerified: z.boolean().optional() }),
  ),
  'user.verification_requested': topic(2, z.object(otpMail)),
  'user.registration_attempted': topic(1, z.object(person)),
  'user.email_verified': topic(1, z.object(person)),
  'user.password_reset_requested': topic(2, z.object(otpMail)),
  'user.password_changed': topic(1, z.object({ ...person, via: z.enum(['change', 'reset']) })),
  'user.role_changed': topic(
    1,
    z.object({ userId: id, role: z.string(), previousRole: z.string() }),
  ),
  'user.active_changed': topic(1, z.object({ userId: id, active: z.boolean() })),
  // events
  'event.created': topic(1, z.object({ eventId: id, organizerId: id, title: z.string() })),
  'event.updated': topic(
    1,
    z.object({
      eventId: id,
      organizerId: id,
      version: z.number().int(),
      changed: z.array(z.string()),
      title: z.string(),
      venue: z.string(),
      startsAt: instant,
      endsAt: instant,
    }),
  ),
  'event.published': topic(
    1,
    z.object({
      eventId: id,
      organizerId: id,
      title: z.string(),
      capacity: z.number().int().positive(),
      priceCents: cents,
      currency,
      startsAt: instant,
      endsAt: instant,
    }),
  ),
  'event.cancelled': topic(
    1,
    z.object({ eventId: id, organizerId: id, title: z.string(), reason: z.string() }),
  ),
  'event.completed': topic(1, z.object({ eventId: id, organizerId: id })),
  'event.deleted': topic(1, z.object({ eventId: id, organizerId: id })),
  // bookings
  'booking.created': topic(
    1,
    z.object({
      ...bookingRef,
      ...money,
      status: bookingStatus,
      expiresAt: instant.nullable(),
      waitlistEntryId: id.nullable(),
    }),
  ),
  'booking.confirmed': topic(
    1,
    z.object({
      ...bookingRef,
      ...money,
      /** `expired`: a payment arrived after the hold expired and sold its seats again. */
      previousStatus: z.enum(['pending', 'expired']).optional(),
    }),
  ),
  'booking.cancelled': topic(
    1,
    z.object({
      ...bookingRef,
      ...money,
      previousStatus: bookingStatus,
      reason: z.string().nullable(),
      cancelledBy: id.nullable(),
    }),
  ),
  'booking.expired': topic(1, z.object({ ...bookingRef, ...money })),
  // tickets: a scan that let a ticket in (or out) at a door of its event
  'ticket.checked_in': topic(
    1,
    z.object({
      ticketId: id,
      bookingId: id,
      eventId: id,
      userId: id,
      listId: id,
      direction: z.enum(['entry', 'exit']),
      gate: z.string().nullable(),
      at: instant,
    }),
  ),
  // payments: money in and out of a booking (amounts are the booking's currency)
  'payment.received': topic(
    1,
    z.object({
      paymentId: id,
      bookingId: id,
      eventId: id,
      userId: id,
      provider: z.enum(['manual', 'stripe']),
      method: z.enum(['cash', 'transfer', 'card', 'other']),
      amountCents: cents,
      currency,
      reference: z.string(),
    }),
  ),
  'refund.requested': topic(
    1,
    z.object({
      refundId: id,
      bookingId: id,
      eventId: id,
      userId: id,
      /** The payment it gives money back from (Stripe refunds name its PaymentIntent). */
      paymentId: id,
      provider: z.enum(['manual', 'stripe']),
      amountCents: cents,
      currency,
      /** Why, for people (the event's cancellation reason, say). */
      reason: z.string(),
      /** Why, for code: which mail the buyer gets. */
      cause: z.enum([
        'attendee_cancelled',
        'organizer_cancelled',
        'event_cancelled',
        'late_payment',
        'duplicate_payment',
      ]),
      /** What the cancellation policy kept (attendee cancellations only; else 0). */
      feeCents: cents,
    }),
  ),
  'refund.succeeded': topic(
    1,
    z.object({
      refundId: id,
      bookingId: id,
      eventId: id,
      userId: id,
      amountCents: cents,
      currency,
      reference: z.string(),
    }),
  ),
  // waitlist
  'waitlist.joined': topic(1, z.object(waitlistRef)),
  'waitlist.offered': topic(
    1,
    z.object({ ...waitlistRef, bookingId: id, offerExpiresAt: instant }),
  ),
  'waitlist.offer_expired': topic(1, z.object({ ...waitlistRef, bookingId: id })),
  'waitlist.converted': topic(1, z.object({ ...waitlistRef, bookingId: id })),
  'waitlist.left': topic(1, z.object(waitlistRef)),
  'waitlist.closed': topic(1, z.object({ ...waitlistRef, reason: z.string() })),
  // webhooks: a test delivery asked for, and a webhook disabled after 5 days of failures (one
  // event per owner: the owner's address rides in the payload, for the mail)
  'webhook.test_requested': topic(
    1,
    z.object({ webhookId: id, organizationId: id, requestedBy: id.nullable() }),
  ),
  'webhook.disabled': topic(
    1,
    z.object({
      ...person,
      ...membership,
      webhookId: id,
      url: z.string(),
      failingSince: instant,
    }),
  ),
  // organizations: the member's address rides in the payload, as the auth mails' does
  'organization.invitation_created': topic(
    1,
    // The code is not in the event: the mail consumer takes it from the invitation's row.
    z.object({
      invitationId: id,
      organizationId: id,
      organizationName: z.string(),
      email: z.email(),
      role: memberRole,
      invitedBy: id,
      inviterName: z.string(),
      expiresAt: instant,
    }),
  ),
  'organization.member_added': topic(
    1,
    z.object({ ...person, ...membership, role: memberRole, addedBy: id.nullable() }),
  ),
  'organization.member_role_changed': topic(
    1,
    z.object({
      ...person,
      ...membership,
      role: memberRole,
      previousRole: memberRole,
      changedBy: id,
    }),
  ),
  'organization.member_removed': topic(
    1,
    z.object({ ...person, ...membership, previousRole: memberRole, removedBy: id }),
  ),
} as const;

export type DomainTopic = keyof typeof domainEvents;
export const domainTopics = Object.keys(domainEvents) as DomainTopic[];

export type DomainEventPayload<T extends DomainTopic> = z.infer<
  (typeof domainEvents)[T]['payload']
>;

/** What a producer hands to `appendEvent`. */
export interface DomainEventInput<T extends DomainTopic> {
  topic: T;
  payload: DomainEventPayload<T>;
  aggregateId?: string;
  /** Normally generated; tests may fix it. */
  id?: string;
}

/** An event as a consumer receives it. */
export type DomainEvent = {
  [T in DomainTopic]: {
    id: string;
    topic: T;
    version: number;
    occurredAt: string;
    payload: DomainEventPayload<T>;
  };
}[DomainTopic];

export function isDomainTopic(value: string): value is DomainTopic {
  return Object.hasOwn(domainEvents, value);
}

/** Validates a payload for a topic; throws a ZodError naming the bad field. */
export function parseDomainEvent<T extends DomainTopic>(
  topic: T,
  payload: unknown,
): { version: number; payload: DomainEventPayload<T> } {
  const entry = domainEvents[topic];
  return { version: entry.version, payload: entry.payload.parse(payload) as DomainEventPayload<T> };
}
