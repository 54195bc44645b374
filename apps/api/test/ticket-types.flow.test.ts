import { randomUUID } from 'node:crypto';
import type { Event, TicketType } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { expectCountersMatchBookings } from './booking-ledger.js';
import { eventInput } from './event-input.js';
import { joinOrganization, type SignedUp, startTestApp, type TestApp } from './harness.js';

// ticketTypes.* over HTTP through the SDK (API.md Part 2, "ticket types, quotas, booking
// items"): each procedure's success and refusals, availability moving with bookings, hidden
// types unlocked by a voucher or seen by members, archived types no longer sold, and the
// event's inventory version moved by every change (an allocator batch decided before loses).

const DAY_MS = 86_400_000;

describe('ticket types', () => {
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
    const draft = await owner.client.events.create.mutate(
      eventInput({ capacity: 10, priceCents: 2_000, maxPerBooking: 5 }),
    );
    event = await owner.client.events.publish.mutate({ id: draft.id });
    await joinOrganization(app, owner, event.organizationId, manager, 'manager');
    await joinOrganization(app, owner, event.organizationId, viewer, 'viewer');
  });
  afterAll(async () => app?.close());

  const db = () => app.db.handle.db;
  const inventoryVersion = async (eventId: string) =>
    (
      await db()
        .selectFrom('event_inventory')
        .select('version')
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow()
    ).version;
  const audits = (entityId: string) =>
    db()
      .selectFrom('audit_log')
      .select(['entity', 'action', 'actor_id'])
      .where('entity_id', '=', entityId)
      .orderBy('seq')
      .execute();
  const byName = (types: TicketType[], name: string) => types.find((t) => t.name === name);
  const publicList = (eventId = event.id, voucherCode?: string) =>
    app.client().ticketTypes.list.query({ eventId, ...(voucherCode && { voucherCode }) });

  it('lists the General admission type every event has, with live availability', async () => {
    const [ga] = await publicList();
    expect(ga).toEqual({
      id: expect.any(String),
      eventId: event.id,
      name: 'General admission',
      description: '',
      priceCents: 2_000,
      currency: 'EUR',
      minPerBooking: 1,
      maxPerBooking: 5,
      salesStartAt: null,
      salesEndAt: null,
      hidden: false,
      status: 'active',
      version: 1,
      availability: { available: 10, soldOut: false },
    });
    await expectAppCode(
      app.client().ticketTypes.list.query({ eventId: randomUUID() }),
      'NOT_FOUND',
    );
    await expectAppCode(
      app.client().ticketTypes.list.query({ eventId: event.id, voucherCode: 'no spaces' }),
      'VALIDATION_FAILED',
    );
  });

  it('creates a type (with its own quota from capacity) that books and sells out', async () => {
    const version = await inventoryVersion(event.id);
    const vip = await manager.client.ticketTypes.create.mutate({
      eventId: event.id,
      name: 'VIP',
      description: 'Front rows.\nA drink included.',
      priceCents: 9_000,
      capacity: 2,
    });
    expect(vip).toMatchObject({
      name: 'VIP',
      description: 'Front rows.\nA drink included.',
      priceCents: 9_000,
      currency: 'EUR',
      minPerBooking: 1,
      maxPerBooking: 10,
      hidden: false,
      status: 'active',
      version: 1,
      availability: { available: 2, soldOut: false },
    });
    expect(await inventoryVersion(event.id)).toBeGreaterThan(version);
    const [quota] = await viewer.client.quotas.list.query({ eventId: event.id });
    expect(quota).toMatchObject({ name: 'VIP', size: 2, ticketTypeIds: [vip.id], available: 2 });
    expect(await audits(vip.id)).toEqual([
      { entity: 'ticket_type', action: 'create', actor_id: manager.tokens.user.id },
    ]);
    expect(await audits(quota?.id ?? '')).toEqual([
      { entity: 'quota', action: 'create', actor_id: manager.tokens.user.id },
    ]);

    const booked = await buyer.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: vip.id, quantity: 2 }],
    });
    expect(booked.items).toMatchObject([
      { ticketTypeId: vip.id, quantity: 2, unitPriceCents: 9_000 },
    ]);
    const listed = await publicList();
    expect(byName(listed, 'VIP')?.availability).toEqual({ available: 0, soldOut: true });
    // The event-wide room moved for every type.
    expect(byName(listed, 'General admission')?.availability).toEqual({
      available: 8,
      soldOut: false,
    });
    await expectAppCode(
      buyer.client.bookings.create.mutate({
        eventId: event.id,
        items: [{ ticketTypeId: vip.id, quantity: 1 }],
      }),
      'SOLD_OUT',
    );
    await buyer.client.bookings.cancel.mutate({ bookingId: booked.id });
    expect(byName(await publicList(), 'VIP')?.availability).toEqual({
      available: 2,
      soldOut: false,
    });
  });

  it('refuses bad input, other people, unknown events and settled events, changing nothing', async () => {
    const valid = { eventId: event.id, name: 'Balcony', priceCents: 1_000 };
    const before = (await owner.client.ticketTypes.list.query({ eventId: event.id })).length;
    const invalid = [
      { ...valid, name: '' },
      { ...valid, name: 'x'.repeat(121) },
      { ...valid, description: 'x'.repeat(2_001) },
      { ...valid, priceCents: -1 },
      { ...valid, priceCents: 100_000_001 },
      { ...valid, minPerBooking: 0 },
      { ...valid, maxPerBooking: 101 },
      { ...valid, minPerBooking: 4, maxPerBooking: 3 },
      { ...valid, capacity: 1_000_001 },
      {
        ...valid,
        salesStartAt: new Date(Date.now() + DAY_MS).toISOString(),
        salesEndAt: new Date(Date.now() + DAY_MS).toISOString(),
      },
    ];
    for (const input of invalid) {
      await expectAppCode(owner.client.ticketTypes.create.mutate(input), 'VALIDATION_FAILED');
    }
    await expectAppCode(viewer.client.ticketTypes.create.mutate(valid), 'FORBIDDEN');
    await expectAppCode(outsider.client.ticketTypes.create.mutate(valid), 'FORBIDDEN');
    await expectAppCode(buyer.client.ticketTypes.create.mutate(valid), 'FORBIDDEN');
    await expectAppCode(app.client().ticketTypes.create.mutate(valid), 'UNAUTHENTICATED');
    await expectAppCode(
      owner.client.ticketTypes.create.mutate({ ...valid, eventId: randomUUID() }),
      'NOT_FOUND',
    );
    expect(await owner.client.ticketTypes.list.query({ eventId: event.id })).toHaveLength(before);

    // A cancelled event's types are settled.
    const other = await owner.client.events.create.mutate(eventInput());
    await owner.client.events.publish.mutate({ id: other.id });
    const [ga] = await publicList(other.id);
    await owner.client.events.cancel.mutate({ id: other.id, reason: 'Venue flooded' });
    await expectAppCode(
      owner.client.ticketTypes.create.mutate({ ...valid, eventId: other.id }),
      'INVALID_STATE',
    );
    await expectAppCode(
      owner.client.ticketTypes.update.mutate({
        id: ga?.id ?? '',
        expectedVersion: 1,
        patch: { priceCents: 1 },
      }),
      'INVALID_STATE',
    );
    await expectAppCode(
      owner.client.ticketTypes.archive.mutate({ id: ga?.id ?? '' }),
      'INVALID_STATE',
    );
  });

  it('updates a type: new prices sell from now on, booked lines keep theirs', async () => {
    const type = await owner.client.ticketTypes.create.mutate({
      eventId: event.id,
      name: 'Standing',
      priceCents: 1_500,
    });
    const booked = await buyer.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: type.id, quantity: 1 }],
    });
    const version = await inventoryVersion(event.id);
    const updated = await manager.client.ticketTypes.update.mutate({
      id: type.id,
      expectedVersion: type.version,
      patch: { priceCents: 2_500, name: 'Standing (late)', maxPerBooking: 4 },
    });
    expect(updated).toMatchObject({
      name: 'Standing (late)',
      priceCents: 2_500,
      maxPerBooking: 4,
      version: type.version + 1,
    });
    // The allocator's batches decided on the old price lose their race.
    expect(await inventoryVersion(event.id)).toBeGreaterThan(version);
    const again = await buyer.client.bookings.get.query({ bookingId: booked.id });
    expect(again.items[0]?.unitPriceCents).toBe(1_500);
    expect(again.totalCents).toBe(1_500);
    const second = await buyer.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: type.id, quantity: 1 }],
    });
    expect(second.items[0]?.unitPriceCents).toBe(2_500);
    expect((await audits(type.id)).map((a) => a.action)).toEqual(['create', 'update']);

    // A stale version, a rule broken by the merge, an empty patch, someone else, nothing there.
    const stale = await expectAppCode(
      owner.client.ticketTypes.update.mutate({
        id: type.id,
        expectedVersion: type.version,
        patch: { priceCents: 1 },
      }),
      'VERSION_CONFLICT',
    );
    expect(stale.details).toEqual({ version: updated.version });
    const broken = await expectAppCode(
      owner.client.ticketTypes.update.mutate({
        id: type.id,
        expectedVersion: updated.version,
        patch: { minPerBooking: 5 },
      }),
      'VALIDATION_FAILED',
    );
    expect(broken.zodIssues?.map((i) => i.path)).toEqual([['patch', 'maxPerBooking']]);
    await expectAppCode(
      owner.client.ticketTypes.update.mutate({
        id: type.id,
        expectedVersion: updated.version,
        patch: {},
      }),
      'VALIDATION_FAILED',
    );
    const patch = { priceCents: 1 };
    await expectAppCode(
      viewer.client.ticketTypes.update.mutate({ id: type.id, expectedVersion: 2, patch }),
      'FORBIDDEN',
    );
    await expectAppCode(
      outsider.client.ticketTypes.update.mutate({ id: type.id, expectedVersion: 2, patch }),
      'FORBIDDEN',
    );
    await expectAppCode(
      owner.client.ticketTypes.update.mutate({ id: randomUUID(), expectedVersion: 1, patch }),
      'NOT_FOUND',
    );
    expect(byName(await publicList(), 'Standing (late)')).toMatchObject({
      priceCents: 2_500,
      version: updated.version,
    });
    await buyer.client.bookings.cancel.mutate({ bookingId: booked.id });
    await buyer.client.bookings.cancel.mutate({ bookingId: second.id });
  });

  it('archives a type: no longer sold nor listed publicly, sold tickets stay', async () => {
    const type = await owner.client.ticketTypes.create.mutate({
      eventId: event.id,
      name: 'Early bird',
      priceCents: 900,
    });
    const sold = await buyer.client.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: type.id, quantity: 1 }],
    });
    const archived = await manager.client.ticketTypes.archive.mutate({ id: type.id });
    expect(archived).toMatchObject({
      status: 'archived',
      version: type.version + 1,
      availability: { available: 0, soldOut: false },
    });
    // Again: nothing more to change.
    expect(await owner.client.ticketTypes.archive.mutate({ id: type.id })).toEqual(archived);
    await expectAppCode(
      buyer.client.bookings.create.mutate({
        eventId: event.id,
        items: [{ ticketTypeId: type.id, quantity: 1 }],
      }),
      'TICKET_TYPE_NOT_AVAILABLE',
    );
    expect(byName(await publicList(), 'Early bird')).toBeUndefined();
    expect(
      byName(await buyer.client.ticketTypes.list.query({ eventId: event.id }), 'Early bird'),
    ).toBeUndefined();
    const members = await viewer.client.ticketTypes.list.query({ eventId: event.id });
    expect(byName(members, 'Early bird')?.status).toBe('archived');
    expect((await buyer.client.bookings.get.query({ bookingId: sold.id })).status).toBe('pending');
    expect((await audits(type.id)).map((a) => a.action)).toEqual(['create', 'archive']);
    await expectAppCode(viewer.client.ticketTypes.archive.mutate({ id: type.id }), 'FORBIDDEN');
    await expectAppCode(owner.client.ticketTypes.archive.mutate({ id: randomUUID() }), 'NOT_FOUND');
    await buyer.client.bookings.cancel.mutate({ bookingId: sold.id });
  });

  it('keeps every quota and inventory counter equal to the live bookings', async () => {
    await expectCountersMatchBookings(db());
  });
});
