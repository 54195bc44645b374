import { randomUUID } from 'node:crypto';
import type { EventInput } from '@evently/contracts';
import type { EventlyClient } from '@evently/sdk';
import { TRPCClientError } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventInput } from './event-input.js';
import { invitationCodeIn, type SignedUp, startTestApp, type TestApp } from './harness.js';

/**
 * Who calls. `organizer` owns the organization of the event under test; `former` created theirs
 * and was since removed from its organization by another owner.
 */
const callers = ['organizer', 'otherOrganizer', 'user', 'admin', 'former', 'anonymous'] as const;
type Caller = (typeof callers)[number];
type Outcome = 'ok' | 'FORBIDDEN' | 'NOT_FOUND' | 'UNAUTHENTICATED' | 'EVENT_NOT_BOOKABLE';

/** What one organizer's events look like to the test: one of each kind, with someone on them. */
interface Fixture {
  /** Published, plenty of seats; attendees book it again for each destructive call. */
  eventId: string;
  /** Published and sold out, with `entryId` waiting. */
  queuedId: string;
  entryId: string;
  /** Never published. */
  draftId: string;
  /** A pending hold of an attendee on `eventId` (fresh for each call that may change it). */
  hold(): Promise<string>;
}

/**
 * Every event-scoped bookings, waitlist and audit procedure, for every kind of caller: the
 * event's organizer, another organizer, a plain user, an admin, a former member (on the event
 * they created while they were one) and nobody. A draft of someone else is NOT_FOUND, a visible
 * event FORBIDDEN — and powers come from the membership the caller has now.
 */
describe('access to an event’s bookings, waitlist and audit', () => {
  let app: TestApp;
  let clients: Record<Caller, EventlyClient>;
  let attendee: SignedUp;
  let waiter: SignedUp;
  /** The organizer's fixture, and the former member's (created before their removal). */
  let own: Fixture;
  let formerOwn: Fixture;

  async function fixtureOf(organizer: SignedUp): Promise<Fixture> {
    const create = (overrides: Partial<EventInput>) =>
      organizer.client.events.create.mutate(
        eventInput({
          title: `Access ${randomUUID().slice(0, 6)}`,
          capacity: 500,
          priceCents: 1000,
          maxPerBooking: 1,
          ...overrides,
        }),
      );
    const event = await create({});
    await organizer.client.events.publish.mutate({ id: event.id });
    const queued = await create({ capacity: 1 });
    await organizer.client.events.publish.mutate({ id: queued.id });
    await attendee.client.bookings.create.mutate({ eventId: queued.id, quantity: 1 });
    const entry = await waiter.client.bookings.waitlist.join.mutate({
      eventId: queued.id,
      quantity: 1,
    });
    const draft = await create({});
    return {
      eventId: event.id,
      queuedId: queued.id,
      entryId: entry.id,
      draftId: draft.id,
      hold: async () =>
        (await attendee.client.bookings.create.mutate({ eventId: event.id, quantity: 1 })).id,
    };
  }

  beforeAll(async () => {
    app = await startTestApp();
    const [organizer, otherOrganizer, user, former, partner] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp({ role: 'organizer' }),
      app.signUp(),
    ]);
    [attendee, waiter] = await Promise.all([app.signUp(), app.signUp()]);
    const admin = await app.admin();
    own = await fixtureOf(organizer);
    formerOwn = await fixtureOf(former);
    // A second owner joins the former's organization and removes them from it.
    const [mine] = await former.client.organizations.mine.query();
    if (!mine) throw new Error('the events made a personal organization');
    const organizationId = mine.organization.id;
    await former.client.organizations.members.invite.mutate({
      organizationId,
      email: partner.email,
      role: 'owner',
    });
    const code = invitationCodeIn(await app.mail(partner.email, /invited/));
    await partner.client.organizations.invitations.accept.mutate({ code });
    await partner.client.organizations.members.remove.mutate({
      organizationId,
      userId: former.tokens.user.id,
    });
    clients = {
      organizer: organizer.client,
      otherOrganizer: otherOrganizer.client,
      user: user.client,
      admin: admin.client,
      // The token from before the demotion: the session's current role is what counts.
      former: former.client,
      anonymous: app.client(),
    };
  });
  afterAll(async () => app?.close());

  /** The fixture a caller is checked against: the former member's own, else the organizer's. */
  const fixtureFor = (caller: Caller) => (caller === 'former' ? formerOwn : own);

  async function outcome(call: Promise<unknown>): Promise<Outcome | string> {
    return call.then(
      () => 'ok',
      (error: unknown) =>
        error instanceof TRPCClientError ? String(error.data?.appCode) : String(error),
    );
  }

  type Call = (client: EventlyClient, f: Fixture) => Promise<unknown>;

  /** Each procedure (on one kind of target) and what each caller gets. */
  // biome-ignore format: one row per procedure reads as the table it is
  const table: [string, Call, Record<Caller, Outcome>][] = [
    [
      'bookings.listForEvent (published)',
      (c, f) => c.bookings.listForEvent.query({ eventId: f.eventId }),
      { organizer: 'ok', otherOrganizer: 'FORBIDDEN', user: 'FORBIDDEN', admin: 'ok', former: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      'bookings.listForEvent (draft)',
      (c, f) => c.bookings.listForEvent.query({ eventId: f.draftId }),
      { organizer: 'ok', otherOrganizer: 'NOT_FOUND', user: 'NOT_FOUND', admin: 'ok', former: 'NOT_FOUND', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      'bookings.audit by event (published)',
      (c, f) => c.bookings.audit.query({ eventId: f.eventId }),
      { organizer: 'ok', otherOrganizer: 'FORBIDDEN', user: 'FORBIDDEN', admin: 'ok', former: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      'bookings.audit by event (draft)',
      (c, f) => c.bookings.audit.query({ eventId: f.draftId }),
      { organizer: 'ok', otherOrganizer: 'NOT_FOUND', user: 'NOT_FOUND', admin: 'ok', former: 'NOT_FOUND', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      'bookings.audit by an attendee’s booking',
      async (c, f) => c.bookings.audit.query({ bookingId: await f.hold() }),
      { organizer: 'ok', otherOrganizer: 'NOT_FOUND', user: 'NOT_FOUND', admin: 'ok', former: 'NOT_FOUND', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      'bookings.waitlist.forEvent (published)',
      (c, f) => c.bookings.waitlist.forEvent.query({ eventId: f.queuedId }),
      { organizer: 'ok', otherOrganizer: 'FORBIDDEN', user: 'FORBIDDEN', admin: 'ok', former: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      'bookings.waitlist.forEvent (draft)',
      (c, f) => c.bookings.waitlist.forEvent.query({ eventId: f.draftId }),
      { organizer: 'ok', otherOrganizer: 'NOT_FOUND', user: 'NOT_FOUND', admin: 'ok', former: 'NOT_FOUND', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      'bookings.get of an attendee’s booking',
      async (c, f) => c.bookings.get.query({ bookingId: await f.hold() }),
      { organizer: 'ok', otherOrganizer: 'NOT_FOUND', user: 'NOT_FOUND', admin: 'ok', former: 'NOT_FOUND', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      'bookings.cancel of an attendee’s booking',
      async (c, f) => c.bookings.cancel.mutate({ bookingId: await f.hold() }),
      { organizer: 'ok', otherOrganizer: 'NOT_FOUND', user: 'NOT_FOUND', admin: 'ok', former: 'NOT_FOUND', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      // A paid hold is confirmed by its payment: its buyer's confirm is refused (PAYMENT_REQUIRED,
      // bookings.flow), the event's managers and admins may confirm it unpaid (the override).
      'bookings.confirm of an attendee’s hold',
      async (c, f) => c.bookings.confirm.mutate({ bookingId: await f.hold() }),
      { organizer: 'ok', otherOrganizer: 'NOT_FOUND', user: 'NOT_FOUND', admin: 'ok', former: 'NOT_FOUND', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      // Marking its payment (which confirms it) is the event's managers' act, and admins'.
      'payments.markPaid of an attendee’s hold',
      async (c, f) => c.payments.markPaid.mutate({ bookingId: await f.hold(), amountCents: 1000, currency: 'EUR', method: 'cash', reference: 'r' }),
      { organizer: 'ok', otherOrganizer: 'NOT_FOUND', user: 'NOT_FOUND', admin: 'ok', former: 'NOT_FOUND', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      // Leaving is the entry's owner's act: its organizer and admins see it, may not.
      'bookings.waitlist.leave of someone’s entry',
      (c, f) => c.bookings.waitlist.leave.mutate({ entryId: f.entryId }),
      { organizer: 'FORBIDDEN', otherOrganizer: 'NOT_FOUND', user: 'NOT_FOUND', admin: 'FORBIDDEN', former: 'NOT_FOUND', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      'bookings.create on a draft',
      (c, f) => c.bookings.create.mutate({ eventId: f.draftId, quantity: 1 }),
      { organizer: 'EVENT_NOT_BOOKABLE', otherOrganizer: 'NOT_FOUND', user: 'NOT_FOUND', admin: 'EVENT_NOT_BOOKABLE', former: 'NOT_FOUND', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      'bookings.waitlist.join on a draft',
      (c, f) => c.bookings.waitlist.join.mutate({ eventId: f.draftId, quantity: 1 }),
      { organizer: 'EVENT_NOT_BOOKABLE', otherOrganizer: 'NOT_FOUND', user: 'NOT_FOUND', admin: 'EVENT_NOT_BOOKABLE', former: 'NOT_FOUND', anonymous: 'UNAUTHENTICATED' },
    ],
    [
      // Public: a draft is nobody's to see here.
      'bookings.availability of a draft',
      (c, f) => c.bookings.availability.query({ eventId: f.draftId }),
      { organizer: 'NOT_FOUND', otherOrganizer: 'NOT_FOUND', user: 'NOT_FOUND', admin: 'NOT_FOUND', former: 'NOT_FOUND', anonymous: 'NOT_FOUND' },
    ],
  ];

  it.each(table)('%s', async (_name, call, expected) => {
    const seen: Partial<Record<Caller, string>> = {};
    for (const caller of callers) {
      seen[caller] = await outcome(call(clients[caller], fixtureFor(caller)));
    }
    expect(seen).toEqual(expected);
  });

  it('leaves a former member an attendee: their own bookings and places stay theirs', async () => {
    const former = clients.former;
    const booking = await former.bookings.create.mutate({ eventId: own.eventId, quantity: 1 });
    expect((await former.bookings.get.query({ bookingId: booking.id })).id).toBe(booking.id);
    expect((await former.bookings.mine.query({})).items.map((b) => b.id)).toContain(booking.id);
    expect((await former.bookings.cancel.mutate({ bookingId: booking.id })).status).toBe(
      'cancelled',
    );
    // Their own event is someone else's to them now: cancelling it is refused as before, its
    // analytics too, and their draft is hidden from them like anyone else's.
    expect(await outcome(former.events.cancel.mutate({ id: formerOwn.eventId, reason: 'x' }))).toBe(
      'FORBIDDEN',
    );
    expect(await outcome(former.analytics.event.query({ eventId: formerOwn.eventId }))).toBe(
      'FORBIDDEN',
    );
    expect(await outcome(former.events.get.query({ id: formerOwn.draftId }))).toBe('NOT_FOUND');
    expect(await outcome(former.events.get.query({ id: formerOwn.eventId }))).toBe('ok');
  });
});
