import type { Event, MemberRole } from '@evently/contracts';
import type { EventlyClient } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS, type AccessClass } from './access-classes.js';
import { webhookTargets } from './access-matrix.webhooks.js';
import { waitForProjection } from './analytics.fixtures.js';
import { eventInput } from './event-input.js';
import { joinOrganization, startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';
import { payFor } from './payments.js';
import { callRaw, routerProcedures, sampleInputs } from './router-procedures.js';

// Every procedure of the router (read from the router) called as every kind of caller, each
// answer checked against the procedure's access class: the platform's callers, and the members
// of the organization that owns the event under test, one per role.

const today = () => new Date().toISOString().slice(0, 10);

type Caller =
  | 'anonymous'
  | 'user'
  | 'nonMember'
  | 'owner'
  | 'manager'
  | 'staff'
  | 'viewer'
  | 'admin';
const CALLERS: Caller[] = [
  'anonymous',
  'user',
  'nonMember',
  'owner',
  'manager',
  'staff',
  'viewer',
  'admin',
];
const MEMBER_ROLES: Partial<Record<Caller, MemberRole>> = {
  owner: 'owner',
  manager: 'manager',
  staff: 'staff',
  viewer: 'viewer',
};
/** Platform organizers: the owner (who made the organization) and an organizer outside it. */
const ORGANIZERS: Caller[] = ['owner', 'nonMember'];

/**
 * What a caller must get: `allowed` (past every access check: the call's own answer, never an
 * auth refusal), `served` (allowed, and a success: a member acting on their organization's
 * event), `refused` (FORBIDDEN or NOT_FOUND: not theirs), or the wall's own code.
 */
type Expected = 'allowed' | 'served' | 'refused' | 'UNAUTHENTICATED' | 'FORBIDDEN';

function expected(access: AccessClass, caller: Caller): Expected {
  if (caller === 'anonymous') return access === 'public' ? 'allowed' : 'UNAUTHENTICATED';
  if (typeof access === 'object') {
    if (caller === 'admin') return 'served';
    const role = MEMBER_ROLES[caller];
    return role && access.members.includes(role) ? 'served' : 'refused';
  }
  if (caller === 'admin') return 'allowed';
  if (access === 'admin') return 'FORBIDDEN';
  if (access === 'organizer') return ORGANIZERS.includes(caller) ? 'allowed' : 'FORBIDDEN';
  return 'allowed';
}

const WALL = ['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'SESSION_REVOKED', 'FORBIDDEN'];

function verdict(status: number, appCode: string | undefined): Expected | string {
  if (status === 200 && appCode === undefined) return 'served';
  if (appCode === undefined) return `no appCode (${status})`;
  return appCode;
}

function matches(want: Expected, got: string): boolean {
  switch (want) {
    case 'served':
      return got === 'served';
    case 'allowed':
      return got === 'served' || !WALL.includes(got);
    case 'refused':
      return got === 'FORBIDDEN' || got === 'NOT_FOUND';
    default:
      return got === want;
  }
}

describe('access matrix: every procedure, every caller', () => {
  let app: TestApp;
  let event: Event;
  /** The owner's personal organization (made with their first event). */
  let organizationId: string;
  let ownerId: string;
  let ownerClient: EventlyClient;
  /** A paid event of the organization, and a buyer of its seats (not one of the callers). */
  let paidEvent: Event;
  /** An event of the organization with a seating plan (its seats blocked and unblocked). */
  let seatedEvent: Event;
  let buyer: EventlyClient;
  const emails: Partial<Record<Caller, string>> = {};
  const tokens: Partial<Record<Caller, string>> = {};
  let throwaway: string;
  let addresses = 0;
  const address = () => {
    addresses += 1;
    return `10.66.${(addresses >> 8) & 255}.${addresses & 255}`;
  };

  beforeAll(async () => {
    app = await startTestApp();
    const [user, owner, nonMember, admin, spare, manager, staff, viewer, paying] =
      await Promise.all([
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
    ownerClient = owner.client;
    const draft = await owner.client.events.create.mutate(
      eventInput({ title: 'Owned', priceCents: 0 }),
    );
    event = await owner.client.events.publish.mutate({ id: draft.id });
    organizationId = draft.organizationId;
    const paidDraft = await owner.client.events.create.mutate(
      eventInput({ title: 'Paid', organizationId, capacity: 500, maxPerBooking: 1 }),
    );
    paidEvent = await owner.client.events.publish.mutate({ id: paidDraft.id });
    const seatedDraft = await owner.client.events.create.mutate(
      eventInput({ title: 'Seated', organizationId }),
    );
    seatedEvent = await owner.client.events.publish.mutate({ id: seatedDraft.id });
    buyer = paying.client;
    ownerId = owner.tokens.user.id;
    // The team, each by the invitation they accepted.
    for (const [member, role] of [
      [manager, 'manager'],
      [staff, 'staff'],
      [viewer, 'viewer'],
    ] as const) {
      await joinOrganization(app, owner, organizationId, member, role);
    }
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
    throwaway = spare.email;
    // The event's figures are in the live log before the streams are called.
    await waitForProjection(app.db.handle.db);
  });
  afterAll(async () => app?.close());

  /** A fresh session of `email` (a call that ends its session must not end the caller's). */
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

  /**
   * Inputs on the organization and its events that succeed whenever the caller is allowed, every
   * time: changes get a target of their own.
   */
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
      scans: [
        {
          code: 'not-a-ticket',
          nonce: `matrix-${Math.random().toString(36).slice(2)}`,
          at: new Date().toISOString(),
        },
      ],
    }),
    'checkin.lists.list': async () => ({ eventId: event.id }),
    // A scan is answered with a result: a code that is no ticket is `invalid`, not an error.
    'checkin.redeem': async () => ({
      listId: await doorList(),
      code: 'not-a-ticket',
      nonce: `matrix-${Math.random().toString(36).slice(2)}`,
    }),
    // A published event's seats: anyone may watch them (the first message answers at once).
    'seating.live': async () => ({ eventId: seatedEvent.id }),
    'analytics.overview': async () => ({ organizationId }),
    'analytics.daily': async () => ({ from: today(), to: today(), organizationId }),
    'analytics.topEvents': async () => ({ by: 'tickets', organizationId }),
    // From the log's start: the organization's first update answers at once.
    'analytics.live': async () => ({ organizationId, lastEventId: '0' }),
    ...webhookTargets(() => ({ client: ownerClient, organizationId })),
  };

  /** The input for `path`: the samples, with the owned event or organization where ownership decides. */
  async function inputFor(path: string, samples: Record<string, unknown>): Promise<unknown> {
    const targetInput = targetInputs[path];
    if (targetInput) return targetInput();
    if (path === 'events.get') return { id: event.id };
    if (path === 'auth.refresh') return { refreshToken: (await login(throwaway)).refreshToken };
    return samples[path];
  }

  it('classifies every procedure of the router, and nothing else', () => {
    // A class per procedure: one with a target of an organization needs its input above too.
    for (const [path, access] of Object.entries(ACCESS)) {
      if (typeof access === 'object') expect(targetInputs[path], path).toBeDefined();
    }
    const paths = routerProcedures.map((p) => p.path).sort();
    expect(paths.length).toBeGreaterThan(40);
    expect(Object.keys(ACCESS).sort()).toEqual(paths);
  });

  it('answers every caller as its class says', async () => {
    const samples = sampleInputs();
    const wrong: unknown[] = [];
    let calls = 0;
    for (const procedure of routerProcedures) {
      const access = ACCESS[procedure.path];
      if (!access) continue; // reported by the test above
      for (const caller of CALLERS) {
        const email = emails[caller];
        let token = tokens[caller];
        // logout ends the session it is called with: give it one of its own.
        if (procedure.path === 'auth.logout' && email) token = (await login(email)).accessToken;
        const answer = await callRaw(app.url, procedure, await inputFor(procedure.path, samples), {
          'x-forwarded-for': address(),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        });
        calls += 1;
        const want = expected(access, caller);
        const got = verdict(answer.status, answer.appCode);
        if (!matches(want, got)) wrong.push({ path: procedure.path, access, caller, want, got });
      }
    }
    expect(calls).toBe(routerProcedures.length * CALLERS.length);
    expect(wrong).toEqual([]);
  });
});
