import type { Event, TicketType } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { joinOrganization, type SignedUp, startTestApp, type TestApp } from './harness.js';

// ticketTypes.list's visibility over HTTP through the SDK (API.md Part 2): hidden types for the
// organization's members, admins, or with a code of the event that unlocks them (and then sold
// with it); a draft's types for its members only, NOT_FOUND to everyone else.

const DAY_MS = 86_400_000;

describe('ticket types: who sees which', () => {
  let app: TestApp;
  let owner: SignedUp;
  let manager: SignedUp;
  let viewer: SignedUp;
  let buyer: SignedUp;
  let outsider: SignedUp;
  let event: Event;

  beforeAll(async () => {
    app = await startTestApp();
    [owner, manager, viewer, buyer, outsider] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
      app.signUp(),
      app.signUp({ role: 'organizer' }),
    ]);
    const draft = await owner.client.events.create.mutate(eventInput({ priceCents: 2_000 }));
    event = await owner.client.events.publish.mutate({ id: draft.id });
    await joinOrganization(app, owner, event.organizationId, manager, 'manager');
    await joinOrganization(app, owner, event.organizationId, viewer, 'viewer');
  });
  afterAll(async () => app?.close());

  const db = () => app.db.handle.db;
  const byName = (types: TicketType[], name: string) => types.find((t) => t.name === name);
  const publicList = (eventId = event.id, voucherCode?: string) =>
    app.client().ticketTypes.list.query({ eventId, ...(voucherCode && { voucherCode }) });

  it('lists a hidden type only to members, or with a voucher of the event that unlocks it', async () => {
    const crew = await owner.client.ticketTypes.create.mutate({
      eventId: event.id,
      name: 'Crew',
      priceCents: 0,
      hidden: true,
    });
    const other = await owner.client.events.create.mutate(eventInput());
    const voucher = async (
      code: string,
      values: { event?: string; unlocks?: boolean; disabled?: boolean; until?: Date } = {},
    ) => {
      const [row] = await db()
        .insertInto('vouchers')
        .values({
          event_id: values.event ?? event.id,
          code,
          effect_kind: 'none',
          unlocks_hidden: values.unlocks ?? true,
          disabled_at: values.disabled ? new Date() : null,
          valid_until: values.until ?? null,
          updated_at: new Date(),
        })
        .returning('id')
        .execute();
      return row?.id ?? '';
    };
    await voucher('crew-pass');
    await voucher('discount-only', { unlocks: false });
    await voucher('switched-off', { disabled: true });
    await voucher('too-late', { until: new Date(Date.now() - DAY_MS) });
    await voucher('elsewhere', { event: other.id });
    const vipOnly = await voucher('vip-only');
    const vip = await owner.client.ticketTypes.create.mutate({
      eventId: event.id,
      name: 'VIP',
      priceCents: 9_000,
    });
    await db()
      .insertInto('voucher_ticket_types')
      .values({ voucher_id: vipOnly, ticket_type_id: vip?.id ?? '' })
      .execute();

    const seesCrew = async (list: Promise<TicketType[]>) =>
      byName(await list, 'Crew') !== undefined;
    expect(await seesCrew(publicList())).toBe(false);
    expect(await seesCrew(buyer.client.ticketTypes.list.query({ eventId: event.id }))).toBe(false);
    expect(await seesCrew(viewer.client.ticketTypes.list.query({ eventId: event.id }))).toBe(true);
    expect(
      await seesCrew((await app.admin()).client.ticketTypes.list.query({ eventId: event.id })),
    ).toBe(true);
    // Codes are case-insensitive.
    expect(await seesCrew(publicList(event.id, 'CREW-pass'))).toBe(true);
    for (const code of ['discount-only', 'switched-off', 'too-late', 'elsewhere', 'vip-only']) {
      expect(await seesCrew(publicList(event.id, code)), code).toBe(false);
    }
    // What the list shows, the allocator sells: with the code and only with it.
    await expectAppCode(
      buyer.client.bookings.create.mutate({
        eventId: event.id,
        items: [{ ticketTypeId: crew.id, quantity: 1 }],
      }),
      'TICKET_TYPE_NOT_AVAILABLE',
    );
    const crewBooking = await buyer.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: crew.id, quantity: 1 }],
      voucherCode: 'crew-pass',
    });
    expect(crewBooking.status).toBe('confirmed');
    await buyer.client.bookings.cancel.mutate({ bookingId: crewBooking.id });
  });

  it("shows a draft's types to its members only, and changes them without an inventory", async () => {
    const draft = await owner.client.events.create.mutate(eventInput({ capacity: 5 }));
    for (const stranger of [app.client(), buyer.client, outsider.client]) {
      await expectAppCode(stranger.ticketTypes.list.query({ eventId: draft.id }), 'NOT_FOUND');
    }
    await expectAppCode(
      outsider.client.ticketTypes.create.mutate({ eventId: draft.id, name: 'X', priceCents: 0 }),
      'NOT_FOUND',
    );
    const added = await manager.client.ticketTypes.create.mutate({
      eventId: draft.id,
      name: 'Balcony',
      priceCents: 500,
      capacity: 3,
    });
    // Nothing is on sale before the event is published.
    expect(added.availability).toEqual({ available: 0, soldOut: false });
    const listed = await viewer.client.ticketTypes.list.query({ eventId: draft.id });
    expect(listed.map((t) => t.name)).toEqual(['General admission', 'Balcony']);
    await owner.client.events.publish.mutate({ id: draft.id });
    expect(byName(await publicList(draft.id), 'Balcony')?.availability).toEqual({
      available: 3,
      soldOut: false,
    });
  });

  it("counts seats a voucher holds back as taken, except to the voucher's holder", async () => {
    const draft = await owner.client.events.create.mutate(
      eventInput({ capacity: 10, priceCents: 1_000, maxPerBooking: 5 }),
    );
    const held = await owner.client.events.publish.mutate({ id: draft.id });
    await owner.client.vouchers.create.mutate({
      eventId: held.id,
      code: 'press',
      maxUses: 5,
      reserved: 4,
      validUntil: new Date(Date.now() + 2 * DAY_MS).toISOString(),
      effect: { kind: 'none' },
    });
    const ga = async (voucherCode?: string) =>
      byName(await publicList(held.id, voucherCode), 'General admission')?.availability;
    expect(await ga()).toEqual({ available: 6, soldOut: false });
    expect(await ga('PRESS')).toEqual({ available: 10, soldOut: false });
    // A booking with the code takes from its own contingent: the public still sees 6.
    await buyer.client.bookings.create.mutate({
      eventId: held.id,
      quantity: 3,
      voucherCode: 'press',
    });
    expect(await ga()).toEqual({ available: 6, soldOut: false });
    expect(await ga('press')).toEqual({ available: 7, soldOut: false });
  });
});
