import { randomUUID } from 'node:crypto';
import type { Event, SeatingMap } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { joinOrganization, type SignedUp, startTestApp, type TestApp } from './harness.js';
import { allocate, plan, row } from './seating.fixtures.js';

// seating.block and seating.unblock over HTTP through the SDK: seats kept off sale by a manager,
// all or none — a seat held or sold cannot be blocked (SEAT_UNAVAILABLE naming it) — answered
// with how many seats changed; the map shows them blocked; the event's inventory version moves.

describe('blocked seats', () => {
  let app: TestApp;
  let owner: SignedUp;
  let manager: SignedUp;
  let viewer: SignedUp;
  let buyer: SignedUp;
  let event: Event;
  let seats: SeatingMap['seats'];

  beforeAll(async () => {
    app = await startTestApp();
    [owner, manager, viewer, buyer] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
      app.signUp(),
    ]);
    const draft = await owner.client.events.create.mutate(eventInput({ capacity: 20 }));
    event = await owner.client.events.publish.mutate({ id: draft.id });
    await joinOrganization(app, owner, event.organizationId, manager, 'manager');
    await joinOrganization(app, owner, event.organizationId, viewer, 'viewer');
    const [type] = await owner.client.ticketTypes.list.query({ eventId: event.id });
    await owner.client.seating.setPlan.mutate({
      eventId: event.id,
      plan: plan({ main: [row('A', 6, type?.id ?? '')] }),
    });
    seats = (await app.client().seating.map.query({ eventId: event.id })).seats;
  });
  afterAll(async () => app?.close());

  const db = () => app.db.handle.db;
  const ids = (...labels: string[]) =>
    labels.map((label) => seats.find((s) => s.label === label)?.id ?? '');
  const states = async () =>
    Object.fromEntries(
      (await app.client().seating.map.query({ eventId: event.id })).seats.map((s) => [
        s.label,
        s.state,
      ]),
    );
  const seatsVersion = async () =>
    (
      await db()
        .selectFrom('seating_plans')
        .select('seats_version')
        .where('event_id', '=', event.id)
        .executeTakeFirstOrThrow()
    ).seats_version;
  const inventoryVersion = async () =>
    (
      await db()
        .selectFrom('event_inventory')
        .select('version')
        .where('event_id', '=', event.id)
        .executeTakeFirstOrThrow()
    ).version;

  it('blocks seats with a reason, counting only the seats it changed, and unblocks them', async () => {
    const version = await inventoryVersion();
    const seatsBefore = await seatsVersion();
    const plan1 = await app.client().seating.map.query({ eventId: event.id });
    expect(
      await manager.client.seating.block.mutate({
        eventId: event.id,
        seatIds: ids('1', '2'),
        reason: 'Camera position',
      }),
    ).toEqual({ blocked: 2 });
    // An allocator batch decided on the seats as they were loses its race, and its seat index
    // is rebuilt.
    expect(await inventoryVersion()).toBeGreaterThan(version);
    expect(await seatsVersion()).toBe(seatsBefore + 1);
    expect(await states()).toEqual({
      '1': 'blocked',
      '2': 'blocked',
      '3': 'available',
      '4': 'available',
      '5': 'available',
      '6': 'available',
    });
    const stored = await db()
      .selectFrom('seats')
      .select(['block_reason'])
      .where('id', 'in', ids('1', '2'))
      .execute();
    expect(stored.map((s) => s.block_reason)).toEqual(['Camera position', 'Camera position']);
    // Blocked already: nothing to change.
    expect(
      await owner.client.seating.block.mutate({ eventId: event.id, seatIds: ids('2', '3') }),
    ).toEqual({ blocked: 1 });
    // Blocking is not a change of the plan: its version stays.
    expect((await app.client().seating.map.query({ eventId: event.id })).version).toBe(
      plan1.version,
    );

    expect(
      await manager.client.seating.unblock.mutate({
        eventId: event.id,
        seatIds: ids('1', '2', '4'),
      }),
    ).toEqual({ blocked: 2 });
    expect(await states()).toMatchObject({ '1': 'available', '2': 'available', '3': 'blocked' });
    const after = await db()
      .selectFrom('seats')
      .select(['blocked_at', 'block_reason'])
      .where('id', '=', ids('1')[0] ?? '')
      .executeTakeFirstOrThrow();
    expect(after).toEqual({ blocked_at: null, block_reason: null });
    const trail = await db()
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'after'])
      .where('entity', '=', 'seating_plan')
      .where('entity_id', '=', event.id)
      .where('action', 'in', ['block', 'unblock'])
      .orderBy('seq')
      .execute();
    expect(trail).toEqual([
      {
        action: 'block',
        actor_id: manager.tokens.user.id,
        after: { seatIds: ids('1', '2'), reason: 'Camera position' },
      },
      {
        action: 'block',
        actor_id: owner.tokens.user.id,
        after: { seatIds: ids('3'), reason: null },
      },
      { action: 'unblock', actor_id: manager.tokens.user.id, after: { seatIds: ids('1', '2') } },
    ]);
    await manager.client.seating.unblock.mutate({ eventId: event.id, seatIds: ids('3') });
  });

  it('never blocks a seat held or sold: all or none, SEAT_UNAVAILABLE naming them', async () => {
    await allocate(db(), {
      eventId: event.id,
      userId: buyer.tokens.user.id,
      seatIds: ids('5'),
      status: 'pending',
    });
    await allocate(db(), {
      eventId: event.id,
      userId: buyer.tokens.user.id,
      seatIds: ids('6'),
      status: 'confirmed',
    });
    const before = await states();
    expect(before).toMatchObject({ '5': 'held', '6': 'sold' });
    const refused = await expectAppCode(
      manager.client.seating.block.mutate({ eventId: event.id, seatIds: ids('4', '5', '6') }),
      'SEAT_UNAVAILABLE',
    );
    expect(refused.httpStatus).toBe(409);
    expect(refused.details).toEqual({ seatIds: ids('5', '6') });
    expect(await states()).toEqual(before);
    // Unblocking them changes nothing: they are not blocked.
    expect(
      await manager.client.seating.unblock.mutate({ eventId: event.id, seatIds: ids('5', '6') }),
    ).toEqual({ blocked: 0 });
  });

  it('refuses seats of no plan of the event, bad input, and callers who are not its managers', async () => {
    const before = await states();
    const stranger = randomUUID();
    const unknown = await expectAppCode(
      manager.client.seating.block.mutate({ eventId: event.id, seatIds: [...ids('1'), stranger] }),
      'VALIDATION_FAILED',
    );
    expect(unknown.details).toEqual({ seatIds: [stranger] });
    // Another event's seats are not this event's.
    const other = await owner.client.events.create.mutate(
      eventInput({ organizationId: event.organizationId }),
    );
    await expectAppCode(
      manager.client.seating.block.mutate({ eventId: other.id, seatIds: ids('1') }),
      'VALIDATION_FAILED',
    );
    for (const input of [
      { eventId: event.id, seatIds: [] },
      { eventId: event.id, seatIds: [...ids('1'), ...ids('1')] },
      { eventId: event.id, seatIds: ['seat-1'] },
      { eventId: event.id, seatIds: ids('1'), reason: 'x'.repeat(501) },
    ]) {
      await expectAppCode(manager.client.seating.block.mutate(input), 'VALIDATION_FAILED');
    }
    await expectAppCode(
      viewer.client.seating.block.mutate({ eventId: event.id, seatIds: ids('1') }),
      'FORBIDDEN',
    );
    await expectAppCode(
      buyer.client.seating.unblock.mutate({ eventId: event.id, seatIds: ids('1') }),
      'FORBIDDEN',
    );
    await expectAppCode(
      app.client().seating.block.mutate({ eventId: event.id, seatIds: ids('1') }),
      'UNAUTHENTICATED',
    );
    await expectAppCode(
      manager.client.seating.block.mutate({ eventId: randomUUID(), seatIds: ids('1') }),
      'NOT_FOUND',
    );
    expect(await states()).toEqual(before);
  });
});
