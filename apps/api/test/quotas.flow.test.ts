import { randomUUID } from 'node:crypto';
import type { Event } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { expectCountersMatchBookings } from './booking-ledger.js';
import { eventInput } from './event-input.js';
import { joinOrganization, type SignedUp, startTestApp, type TestApp } from './harness.js';

// quotas.* over HTTP through the SDK (API.md Part 2, "ticket types, quotas, booking items"):
// a quota made through the API limits typed orders (SOLD_OUT once full), counts what its types
// already sold, is never resized below what it counts, keeps its types while it counts seats,
// and every change moves the event's inventory version (the allocator's race).

describe('quotas', () => {
  let app: TestApp;
  let owner: SignedUp;
  let manager: SignedUp;
  let viewer: SignedUp;
  let staff: SignedUp;
  let buyer: SignedUp;
  let outsider: SignedUp;
  let event: Event;
  /** The event's General admission type. */
  let ga: string;

  beforeAll(async () => {
    app = await startTestApp();
    [owner, manager, viewer, staff, buyer, outsider] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
      app.signUp(),
      app.signUp(),
      app.signUp({ role: 'organizer' }),
    ]);
    const draft = await owner.client.events.create.mutate(
      eventInput({ capacity: 20, priceCents: 1_000, maxPerBooking: 5 }),
    );
    event = await owner.client.events.publish.mutate({ id: draft.id });
    for (const [member, role] of [
      [manager, 'manager'],
      [viewer, 'viewer'],
      [staff, 'staff'],
    ] as const) {
      await joinOrganization(app, owner, event.organizationId, member, role);
    }
    const [type] = await app.client().ticketTypes.list.query({ eventId: event.id });
    ga = type?.id ?? '';
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
  const book = (ticketTypeId: string, quantity: number, eventId = event.id) =>
    buyer.client.bookings.create.mutate({ eventId, items: [{ ticketTypeId, quantity }] });
  const gaAvailability = async () =>
    (await app.client().ticketTypes.list.query({ eventId: event.id })).find((t) => t.id === ga)
      ?.availability;

  it('limits the orders of its types: SOLD_OUT once full, room again when resized', async () => {
    const version = await inventoryVersion(event.id);
    const floor = await manager.client.quotas.create.mutate({
      eventId: event.id,
      name: 'Floor',
      size: 3,
      ticketTypeIds: [ga],
    });
    expect(floor).toEqual({
      id: expect.any(String),
      eventId: event.id,
      name: 'Floor',
      size: 3,
      ticketTypeIds: [ga],
      confirmed: 0,
      held: 0,
      available: 3,
      version: 1,
    });
    expect(await inventoryVersion(event.id)).toBeGreaterThan(version);
    expect(await gaAvailability()).toEqual({ available: 3, soldOut: false });

    const first = await book(ga, 2);
    expect(await gaAvailability()).toEqual({ available: 1, soldOut: false });
    const refused = await expectAppCode(book(ga, 2), 'SOLD_OUT');
    expect(refused.details).toMatchObject({ ticketTypeId: ga, available: 1 });
    await book(ga, 1);
    expect(await gaAvailability()).toEqual({ available: 0, soldOut: true });
    await expectAppCode(book(ga, 1), 'SOLD_OUT');
    const [listed] = await viewer.client.quotas.list.query({ eventId: event.id });
    expect(listed).toMatchObject({ confirmed: 0, held: 3, available: 0 });

    // Seats sold since it was read do not make the manager's version stale (it is the quota's
    // definition's), but it is never sized below what it counts.
    expect(listed?.version).toBe(floor.version);
    const below = await expectAppCode(
      manager.client.quotas.update.mutate({
        id: floor.id,
        expectedVersion: floor.version,
        size: 2,
      }),
      'CAPACITY_BELOW_BOOKED',
    );
    expect(below.details).toMatchObject({ booked: 3, size: 2 });
    const before = await inventoryVersion(event.id);
    const resized = await manager.client.quotas.update.mutate({
      id: floor.id,
      expectedVersion: floor.version,
      size: 4,
      name: 'Floor (extended)',
    });
    // Another manager's edit from the old version is stale now.
    await expectAppCode(
      owner.client.quotas.update.mutate({
        id: floor.id,
        expectedVersion: floor.version,
        size: 5,
      }),
      'VERSION_CONFLICT',
    );
    expect(resized).toMatchObject({
      name: 'Floor (extended)',
      size: 4,
      held: 3,
      available: 1,
      version: (listed?.version ?? 0) + 1,
    });
    // The invariant: the change moved the event's inventory version.
    expect(await inventoryVersion(event.id)).toBeGreaterThan(before);
    await book(ga, 1);
    await expectAppCode(book(ga, 1), 'SOLD_OUT');

    // A quota that counts seats keeps its types.
    const vip = await owner.client.ticketTypes.create.mutate({
      eventId: event.id,
      name: 'VIP',
      priceCents: 5_000,
    });
    const current = (await owner.client.quotas.list.query({ eventId: event.id }))[0];
    await expectAppCode(
      owner.client.quotas.update.mutate({
        id: floor.id,
        expectedVersion: current?.version ?? 0,
        ticketTypeIds: [ga, vip.id],
      }),
      'INVALID_STATE',
    );
    // The same types are no change.
    const same = await owner.client.quotas.update.mutate({
      id: floor.id,
      expectedVersion: current?.version ?? 0,
      ticketTypeIds: [ga],
    });
    expect(same.ticketTypeIds).toEqual([ga]);
    await buyer.client.bookings.cancel.mutate({ bookingId: first.id });
    expect(await gaAvailability()).toEqual({ available: 2, soldOut: false });
  });

  it('counts what its types already sold, and takes new types only while empty', async () => {
    const balcony = await owner.client.ticketTypes.create.mutate({
      eventId: event.id,
      name: 'Balcony',
      priceCents: 2_000,
    });
    await book(balcony.id, 2);
    const input = { eventId: event.id, name: 'Upstairs', ticketTypeIds: [balcony.id] };
    const too = await expectAppCode(
      owner.client.quotas.create.mutate({ ...input, size: 1 }),
      'CAPACITY_BELOW_BOOKED',
    );
    expect(too.details).toMatchObject({ booked: 2, size: 1 });
    const upstairs = await owner.client.quotas.create.mutate({ ...input, size: 3 });
    expect(upstairs).toMatchObject({ held: 2, confirmed: 0, available: 1 });
    await book(balcony.id, 1);
    await expectAppCode(book(balcony.id, 1), 'SOLD_OUT');

    // An empty quota may take other types, counting what they hold.
    const empty = await owner.client.quotas.create.mutate({
      eventId: event.id,
      name: 'Spare',
      size: 10,
      ticketTypeIds: [],
    });
    const moved = await owner.client.quotas.update.mutate({
      id: empty.id,
      expectedVersion: empty.version,
      ticketTypeIds: [balcony.id],
    });
    expect(moved).toMatchObject({ ticketTypeIds: [balcony.id], held: 3, available: 7 });
    await expectCountersMatchBookings(db());
  });

  it('refuses types of another event, bad input and unknown targets, changing nothing', async () => {
    const other = await owner.client.events.create.mutate(eventInput());
    const [otherType] = await owner.client.ticketTypes.list.query({ eventId: other.id });
    const count = async () => (await owner.client.quotas.list.query({ eventId: event.id })).length;
    const before = await count();
    const valid = { eventId: event.id, name: 'Mixed', size: 5, ticketTypeIds: [ga] };
    const foreign = await expectAppCode(
      owner.client.quotas.create.mutate({ ...valid, ticketTypeIds: [ga, otherType?.id ?? ''] }),
      'VALIDATION_FAILED',
    );
    expect(foreign.zodIssues?.map((i) => i.path)).toEqual([['ticketTypeIds']]);
    for (const input of [
      { ...valid, ticketTypeIds: [randomUUID()] },
      { ...valid, ticketTypeIds: [ga, ga] },
      { ...valid, size: -1 },
      { ...valid, size: 1_000_001 },
      { ...valid, name: '' },
      { ...valid, name: 'x'.repeat(121) },
    ]) {
      await expectAppCode(owner.client.quotas.create.mutate(input), 'VALIDATION_FAILED');
    }
    await expectAppCode(
      owner.client.quotas.create.mutate({ ...valid, eventId: randomUUID() }),
      'NOT_FOUND',
    );
    expect(await count()).toBe(before);
    const quota = await owner.client.quotas.create.mutate(valid);
    await expectAppCode(
      owner.client.quotas.update.mutate({ id: quota.id, expectedVersion: quota.version }),
      'VALIDATION_FAILED',
    );
    await expectAppCode(
      owner.client.quotas.update.mutate({
        id: quota.id,
        expectedVersion: quota.version,
        ticketTypeIds: [otherType?.id ?? ''],
      }),
      'VALIDATION_FAILED',
    );
    await expectAppCode(
      owner.client.quotas.update.mutate({ id: randomUUID(), expectedVersion: 1, size: 1 }),
      'NOT_FOUND',
    );
    await expectAppCode(owner.client.quotas.delete.mutate({ id: randomUUID() }), 'NOT_FOUND');
    const [unchanged] = (await owner.client.quotas.list.query({ eventId: event.id })).filter(
      (q) => q.id === quota.id,
    );
    expect(unchanged).toEqual(quota);
  });

  it('lets viewers list quotas but only managers change them; strangers see no draft', async () => {
    await expect(viewer.client.quotas.list.query({ eventId: event.id })).resolves.not.toHaveLength(
      0,
    );
    const [quota] = await owner.client.quotas.list.query({ eventId: event.id });
    const create = { eventId: event.id, name: 'Nope', size: 1, ticketTypeIds: [] };
    await expectAppCode(viewer.client.quotas.create.mutate(create), 'FORBIDDEN');
    await expectAppCode(staff.client.quotas.create.mutate(create), 'FORBIDDEN');
    await expectAppCode(outsider.client.quotas.create.mutate(create), 'FORBIDDEN');
    await expectAppCode(
      viewer.client.quotas.update.mutate({ id: quota?.id ?? '', expectedVersion: 1, size: 9 }),
      'FORBIDDEN',
    );
    await expectAppCode(viewer.client.quotas.delete.mutate({ id: quota?.id ?? '' }), 'FORBIDDEN');
    await expectAppCode(staff.client.quotas.list.query({ eventId: event.id }), 'FORBIDDEN');
    await expectAppCode(buyer.client.quotas.list.query({ eventId: event.id }), 'FORBIDDEN');
    await expectAppCode(app.client().quotas.list.query({ eventId: event.id }), 'UNAUTHENTICATED');

    const draft = await owner.client.events.create.mutate(eventInput());
    await expectAppCode(outsider.client.quotas.list.query({ eventId: draft.id }), 'NOT_FOUND');
    await expectAppCode(
      outsider.client.quotas.create.mutate({ ...create, eventId: draft.id }),
      'NOT_FOUND',
    );
    // A draft's quotas change without an inventory row to move.
    const made = await manager.client.quotas.create.mutate({ ...create, eventId: draft.id });
    expect(await viewer.client.quotas.list.query({ eventId: draft.id })).toEqual([made]);
    const admin = await app.admin();
    await expect(admin.client.quotas.list.query({ eventId: draft.id })).resolves.toEqual([made]);
  });

  it('deletes a quota: its types sell without it, what it counted stays sold', async () => {
    const solo = await owner.client.ticketTypes.create.mutate({
      eventId: event.id,
      name: 'Solo',
      priceCents: 700,
      capacity: 1,
    });
    const sold = await book(solo.id, 1);
    await expectAppCode(book(solo.id, 1), 'SOLD_OUT');
    const quota = (await owner.client.quotas.list.query({ eventId: event.id })).find(
      (q) => q.name === 'Solo',
    );
    const version = await inventoryVersion(event.id);
    await expect(manager.client.quotas.delete.mutate({ id: quota?.id ?? '' })).resolves.toEqual({
      ok: true,
    });
    expect(await inventoryVersion(event.id)).toBeGreaterThan(version);
    expect(
      (await owner.client.quotas.list.query({ eventId: event.id })).some((q) => q.id === quota?.id),
    ).toBe(false);
    await book(solo.id, 1);
    expect((await buyer.client.bookings.get.query({ bookingId: sold.id })).status).toBe('pending');
    const trail = await db()
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'quota')
      .where('entity_id', '=', quota?.id ?? '')
      .orderBy('seq')
      .execute();
    expect(trail.map((a) => a.action)).toEqual(['create', 'delete']);
    // Its bookings end without it.
    await buyer.client.bookings.cancel.mutate({ bookingId: sold.id });
    await expectCountersMatchBookings(db());
  });

  it("refuses changes to a cancelled event's quotas", async () => {
    const other = await owner.client.events.create.mutate(eventInput());
    await owner.client.events.publish.mutate({ id: other.id });
    const quota = await owner.client.quotas.create.mutate({
      eventId: other.id,
      name: 'Late',
      size: 2,
      ticketTypeIds: [],
    });
    await owner.client.events.cancel.mutate({ id: other.id, reason: 'Artist ill' });
    await expectAppCode(
      owner.client.quotas.create.mutate({
        eventId: other.id,
        name: 'X',
        size: 1,
        ticketTypeIds: [],
      }),
      'INVALID_STATE',
    );
    await expectAppCode(
      owner.client.quotas.update.mutate({ id: quota.id, expectedVersion: quota.version, size: 3 }),
      'INVALID_STATE',
    );
    await expectAppCode(owner.client.quotas.delete.mutate({ id: quota.id }), 'INVALID_STATE');
    // Still readable.
    expect(await viewer.client.quotas.list.query({ eventId: other.id })).toEqual([quota]);
  });
});
