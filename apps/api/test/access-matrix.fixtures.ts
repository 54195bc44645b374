import type { Event, TokenPair } from '@evently/contracts';
import type { EventlyClient } from '@evently/sdk';
import { webhookTargets } from './access-matrix.webhooks.js';
import { waitForProjection } from './analytics.fixtures.js';
import { eventInput } from './event-input.js';
import { joinOrganization, startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';
import { payFor } from './payments.js';

/**
 * The world of the access matrices (`access-matrix.test.ts`: people; `access-matrix.keys.test.ts`:
 * API keys): an organization with a member of each role, its events (free, paid, seated), the
 * platform's other callers, and an input for every procedure that succeeds whenever its caller is
 * allowed — changes get a target of their own.
 */

/** The signed-in callers of the person matrix. */
export type PersonCaller =
  | 'user'
  | 'nonMember'
  | 'owner'
  | 'manager'
  | 'staff'
  | 'viewer'
  | 'admin';

/** Who calls: a person (or nobody), or an API key (some targets differ: see `keyTargets`). */
export type CalledBy = 'person' | 'key';

export interface MatrixWorld {
  app: TestApp;
  /** The owner's personal organization (made with their first event). */
  organizationId: string;
  ownerClient: EventlyClient;
  emails: Partial<Record<PersonCaller, string>>;
  tokens: Partial<Record<PersonCaller, string>>;
  /** A fresh `x-forwarded-for` address (each request its own: no shared IP limits). */
  address(): string;
  /** A fresh session of `email` (a call that ends its session must not end the caller's). */
  login(email: string): Promise<TokenPair>;
  /** Inputs on the organization and its events, by path. */
  targetInputs: Record<string, () => Promise<unknown>>;
  /** A key's own targets where a person's differ (the organization's bookings). */
  keyTargets: Record<string, () => Promise<unknown>>;
  /** The input of `path` for a caller: the samples, with the organization's targets. */
  inputFor(path: string, samples: Record<string, unknown>, by?: CalledBy): Promise<unknown>;
}

const today = () => new Date().toISOString().slice(0, 10);

export async function buildMatrixWorld(): Promise<MatrixWorld> {
  const app = await startTestApp();
  let addresses = 0;
  const address = () => {
    addresses += 1;
    return `10.66.${(addresses >> 8) & 255}.${addresses & 255}`;
  };
  const [user, owner, nonMember, admin, spare, manager, staff, viewer, paying] = await Promise.all([
    app.signUp(),
    app.signUp({ role: 'organizer' }),
    app.signUp({ role: 'organizer' }),
    app.admin(),
    app.signUp(),
    app.signUp(),
    app.signUp(),
    app.signUp(),
    app.signUp(),
  ]);
  const ownerClient = owner.client;
  const draft = await ownerClient.events.create.mutate(
    eventInput({ title: 'Owned', priceCents: 0 }),
  );
  const event = await ownerClient.events.publish.mutate({ id: draft.id });
  const organizationId = draft.organizationId;
  /** A paid event of the organization, and a buyer of its seats (not one of the callers). */
  const paidDraft = await ownerClient.events.create.mutate(
    eventInput({ title: 'Paid', organizationId, capacity: 500, maxPerBooking: 1 }),
  );
  const paidEvent = await ownerClient.events.publish.mutate({ id: paidDraft.id });
  /** An event of the organization with a seating plan (its seats blocked and unblocked). */
  const seatedDraft = await ownerClient.events.create.mutate(
    eventInput({ title: 'Seated', organizationId }),
  );
  const seatedEvent = await ownerClient.events.publish.mutate({ id: seatedDraft.id });
  const buyer = paying.client;
  const ownerId = owner.tokens.user.id;
  // The team, each by the invitation they accepted.
  for (const [member, role] of [
    [manager, 'manager'],
    [staff, 'staff'],
    [viewer, 'viewer'],
  ] as const) {
    await joinOrganization(app, owner, organizationId, member, role);
  }
  const emails: Partial<Record<PersonCaller, string>> = {};
  const tokens: Partial<Record<PersonCaller, string>> = {};
  for (const [caller, signed] of [
    ['user', user],
    ['nonMember', nonMember],
    ['owner', owner],
    ['manager', manager],
    ['staff', staff],
    ['viewer', viewer],
    ['admin', admin],
  ] as const) {
    emails[caller] = signed.email;
    tokens[caller] = signed.tokens.accessToken;
  }
  const throwaway = spare.email;
  // The event's figures are in the live log before the streams are called.
  await waitForProjection(app.db.handle.db);

  const login = (email: string) =>
    app
      .client(undefined, { 'x-forwarded-for': address() })
      .auth.login.mutate({ email, password: TEST_PASSWORD });

  /** A new member of the organization (for a removal that succeeds when allowed). */
  async function newMember(): Promise<string> {
    const { tokens } = await app.signUp();
    await app.db.handle.db
      .insertInto('organization_members')
      .values({ organization_id: organizationId, user_id: tokens.user.id, role: 'viewer' })
      .execute();
    return tokens.user.id;
  }

  /** A new hold of the buyer on the paid event (a payment of it succeeds when allowed). */
  const newHold = () => buyer.bookings.create.mutate({ eventId: paidEvent.id, quantity: 1 });

  /** A refund waiting for a manager: a paid booking its organizer cancelled. */
  async function newRefund(): Promise<string> {
    const hold = await newHold();
    await payFor(ownerClient, hold);
    await ownerClient.bookings.cancel.mutate({ bookingId: hold.id, reason: 'Matrix' });
    const { refunds } = await ownerClient.payments.forBooking.query({ bookingId: hold.id });
    const refund = refunds[0];
    if (!refund) throw new Error('no refund');
    return refund.id;
  }

  /** A ticket of the buyer's: a hold of theirs paid, once the tickets consumer issued it. */
  async function newTicket(): Promise<string> {
    const hold = await newHold();
    await payFor(ownerClient, hold);
    for (let tries = 0; tries < 300; tries++) {
      const [ticket] = await ownerClient.tickets.forBooking.query({ bookingId: hold.id });
      if (ticket) return ticket.id;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('no ticket issued');
  }

  /** The organization's event's check-in list (made once). */
  let door: string | undefined;
  async function doorList(): Promise<string> {
    door ??= (await ownerClient.checkin.lists.create.mutate({ eventId: event.id, name: 'Door' }))
      .id;
    return door;
  }

  /** A new event of the organization, a draft or published (for a change that succeeds). */
  async function newEvent(published: boolean): Promise<Event> {
    const made = await ownerClient.events.create.mutate(eventInput({ organizationId }));
    return published ? ownerClient.events.publish.mutate({ id: made.id }) : made;
  }

  const newTicketType = () =>
    ownerClient.ticketTypes.create.mutate({ eventId: event.id, name: 'Matrix', priceCents: 0 });
  const newQuota = () =>
    ownerClient.quotas.create.mutate({
      eventId: event.id,
      name: 'Matrix',
      size: 10,
      ticketTypeIds: [],
    });
  async function newVoucher() {
    const [made] = await ownerClient.vouchers.create.mutate({
      eventId: event.id,
      effect: { kind: 'none' },
    });
    if (!made) throw new Error('no voucher');
    return made;
  }

  /** A plan of one seat of the seated event's type (each call replaces it: the same seat). */
  async function seatPlan() {
    const [type] = await ownerClient.ticketTypes.list.query({ eventId: seatedEvent.id });
    if (!type) throw new Error('no ticket type');
    const seats = [{ key: '1', label: '1', ticketTypeId: type.id, x: 0, y: 0 }];
    return { sections: [{ key: 'main', name: 'Main', rows: [{ key: 'A', label: 'A', seats }] }] };
  }
  async function seatIds(): Promise<string[]> {
    const { seats } = await ownerClient.seating.map.query({ eventId: seatedEvent.id });
    if (seats.length === 0) {
      await ownerClient.seating.setPlan.mutate({ eventId: seatedEvent.id, plan: await seatPlan() });
      return seatIds();
    }
    return seats.map((seat) => seat.id);
  }

  /** A new key of the organization, made by its owner (for a revocation that succeeds). */
  const newApiKey = async () =>
    (
      await ownerClient.apiKeys.create.mutate({
        organizationId,
        name: 'Matrix revocable',
        scopes: ['events:read'],
      })
    ).apiKey.id;

  const scanNonce = () => `matrix-${Math.random().toString(36).slice(2)}`;

  const targetInputs: Record<string, () => Promise<unknown>> = {
    'organizations.get': async () => ({ id: organizationId }),
    'organizations.update': async () => ({ id: organizationId, name: 'Owned organization' }),
    'organizations.members.list': async () => ({ organizationId }),
    'organizations.members.invite': async () => ({
      organizationId,
      email: 'invitee@example.com',
      role: 'viewer',
    }),
    'organizations.members.setRole': async () => ({
      organizationId,
      userId: ownerId,
      role: 'owner',
    }),
    'organizations.members.remove': async () => ({ organizationId, userId: await newMember() }),
    'events.create': async () => eventInput({ organizationId }),
    'events.update': async () => {
      const target = await newEvent(true);
      return { id: target.id, expectedVersion: target.version, patch: { title: 'Renamed' } };
    },
    'events.publish': async () => ({ id: (await newEvent(false)).id }),
    'events.cancel': async () => ({ id: (await newEvent(true)).id, reason: 'Matrix' }),
    'events.delete': async () => ({ id: (await newEvent(false)).id }),
    'bookings.listForEvent': async () => ({ eventId: event.id }),
    'bookings.audit': async () => ({ eventId: event.id }),
    'bookings.waitlist.forEvent': async () => ({ eventId: event.id }),
    'analytics.event': async () => ({ eventId: event.id }),
    'ticketTypes.create': async () => ({ eventId: event.id, name: 'Matrix', priceCents: 0 }),
    'ticketTypes.update': async () => {
      const type = await newTicketType();
      return { id: type.id, expectedVersion: type.version, patch: { name: 'Renamed' } };
    },
    'ticketTypes.archive': async () => ({ id: (await newTicketType()).id }),
    'quotas.create': async () => ({
      eventId: event.id,
      name: 'Matrix',
      size: 10,
      ticketTypeIds: [],
    }),
    'quotas.update': async () => {
      const quota = await newQuota();
      return { id: quota.id, expectedVersion: quota.version, size: 20 };
    },
    'quotas.delete': async () => ({ id: (await newQuota()).id }),
    'quotas.list': async () => ({ eventId: event.id }),
    'vouchers.create': async () => ({ eventId: event.id, effect: { kind: 'none' } }),
    'vouchers.list': async () => ({ eventId: event.id }),
    'vouchers.update': async () => ({ id: (await newVoucher()).id, patch: { maxUses: 2 } }),
    'vouchers.disable': async () => ({ id: (await newVoucher()).id }),
    'payments.markPaid': async () => {
      const hold = await newHold();
      return {
        bookingId: hold.id,
        amountCents: hold.totalCents,
        currency: hold.currency,
        method: 'cash',
        reference: 'Matrix',
      };
    },
    'payments.forBooking': async () => ({ bookingId: (await newHold()).id }),
    'refunds.list': async () => ({ eventId: paidEvent.id }),
    'refunds.markDone': async () => ({ refundId: await newRefund(), reference: 'Matrix' }),
    'seating.setPlan': async () => ({ eventId: seatedEvent.id, plan: await seatPlan() }),
    'seating.block': async () => ({ eventId: seatedEvent.id, seatIds: await seatIds() }),
    'seating.unblock': async () => ({ eventId: seatedEvent.id, seatIds: await seatIds() }),
    'tickets.forBooking': async () => ({ bookingId: (await newHold()).id }),
    'tickets.qr': async () => ({ ticketId: await newTicket() }),
    'checkin.lists.create': async () => ({ eventId: event.id, name: 'Matrix door' }),
    'checkin.search': async () => ({ listId: await doorList(), q: 'matrix' }),
    'checkin.export': async () => ({ listId: await doorList() }),
    'checkin.sync': async () => ({
      listId: await doorList(),
      scans: [{ code: 'not-a-ticket', nonce: scanNonce(), at: new Date().toISOString() }],
    }),
    'checkin.lists.list': async () => ({ eventId: event.id }),
    // A scan is answered with a result: a code that is no ticket is `invalid`, not an error.
    'checkin.redeem': async () => ({
      listId: await doorList(),
      code: 'not-a-ticket',
      nonce: scanNonce(),
    }),
    // A published event's seats: anyone may watch them (the first message answers at once).
    'seating.live': async () => ({ eventId: seatedEvent.id }),
    'analytics.overview': async () => ({ organizationId }),
    'analytics.daily': async () => ({ from: today(), to: today(), organizationId }),
    'analytics.topEvents': async () => ({ by: 'tickets', organizationId }),
    // From the log's start: the organization's first update answers at once.
    'analytics.live': async () => ({ organizationId, lastEventId: '0' }),
    ...webhookTargets(() => ({ client: ownerClient, organizationId })),
    'apiKeys.create': async () => ({ organizationId, name: 'Matrix', scopes: ['events:read'] }),
    'apiKeys.list': async () => ({ organizationId }),
    'apiKeys.revoke': async () => ({ id: await newApiKey() }),
  };

  /**
   * A key's own targets where a person's differ: the person matrix calls these as someone who is
   * no holder (any booking id will do, as `user` class); a key of the organization acts on its
   * bookings, so it gets a real one — a fresh hold of the buyer on the paid event. The public
   * reads get the organization's events too: a key is identified there (maybeAuthed), and what it
   * may see of them is asked of the policy.
   */
  const keyTargets: Record<string, () => Promise<unknown>> = {
    'bookings.get': async () => ({ bookingId: (await newHold()).id }),
    'bookings.confirm': async () => ({ bookingId: (await newHold()).id }),
    'bookings.cancel': async () => ({ bookingId: (await newHold()).id, reason: 'Matrix' }),
    'bookings.availability': async () => ({ eventId: paidEvent.id }),
    'ticketTypes.list': async () => ({ eventId: event.id }),
    'seating.map': async () => ({ eventId: seatedEvent.id }),
    'vouchers.check': async () => ({ eventId: event.id, code: 'not-a-voucher' }),
  };

  async function inputFor(
    path: string,
    samples: Record<string, unknown>,
    by: CalledBy = 'person',
  ): Promise<unknown> {
    const targetInput = (by === 'key' ? keyTargets[path] : undefined) ?? targetInputs[path];
    if (targetInput) return targetInput();
    if (path === 'events.get') return { id: event.id };
    if (path === 'auth.refresh') return { refreshToken: (await login(throwaway)).refreshToken };
    return samples[path];
  }

  return {
    app,
    organizationId,
    ownerClient,
    emails,
    tokens,
    address,
    login,
    targetInputs,
    keyTargets,
    inputFor,
  };
}
