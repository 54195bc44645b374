import type { EventInput } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import { expectAppCode, failure } from './app-error.js';
import { eventInput } from './event-input.js';
import { useEventsCast } from './events.fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Changing an event over HTTP: optimistic versions, the rules every change must keep, and what
// a change of a published event tells the rest of the system.
describe('events: updates', () => {
  const events = useEventsCast();
  const { auditOf } = events;

  it('updates with expectedVersion: a stale version is a VERSION_CONFLICT and changes nothing', async () => {
    const { organizer } = events.cast();
    const event = await organizer.client.events.create.mutate(eventInput());
    const updated = await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: 1,
      patch: { title: 'Renamed', priceCents: 0 },
    });
    expect(updated).toMatchObject({ title: 'Renamed', priceCents: 0, version: 2 });
    const conflict = await expectAppCode(
      organizer.client.events.update.mutate({
        id: event.id,
        expectedVersion: 1,
        patch: { title: 'Stale' },
      }),
      'VERSION_CONFLICT',
    );
    expect(conflict.httpStatus).toBe(409);
    expect((await organizer.client.events.get.query({ id: event.id })).title).toBe('Renamed');
    const audit = await auditOf(event.id);
    expect(audit.at(-1)).toMatchObject({ action: 'update' });
    expect(audit.at(-1)?.before).toMatchObject({ title: event.title });
    expect(audit.at(-1)?.after).toMatchObject({ title: 'Renamed' });
  });

  it('publishes changes to a published event as event.updated, naming the changed fields', async () => {
    const { app, organizer } = events.cast();
    const event = await organizer.client.events.create.mutate(eventInput());
    await organizer.client.events.publish.mutate({ id: event.id });
    const startsAt = new Date(Date.now() + 40 * DAY);
    await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: 2,
      patch: {
        venue: 'Opera House',
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + HOUR).toISOString(),
      },
    });
    const updated = await app.db.handle.db
      .selectFrom('outbox')
      .select('payload')
      .where('aggregate_id', '=', event.id)
      .where('topic', '=', 'event.updated')
      .executeTakeFirstOrThrow();
    expect(updated.payload).toMatchObject({
      venue: 'Opera House',
      changed: ['venue', 'startsAt', 'endsAt'],
    });
  });

  it('validates inputs and merged updates: clear VALIDATION_FAILED, nothing changed', async () => {
    const { organizer } = events.cast();
    const bad: [string, Partial<EventInput>][] = [
      [
        'ends before it starts',
        {
          endsAt: new Date(Date.now() + DAY).toISOString(),
          startsAt: new Date(Date.now() + 2 * DAY).toISOString(),
        },
      ],
      ['capacity 0', { capacity: 0 }],
      ['capacity above 1,000,000', { capacity: 1_000_001 }],
      ['negative price', { priceCents: -1 }],
      ['fractional price', { priceCents: 10.5 }],
      ['unknown currency', { currency: 'XYZ' }],
      ['lower-case currency', { currency: 'eur' }],
      ['empty title', { title: '   ' }],
      ['title too long', { title: 'x'.repeat(201) }],
      ['sales end after the event', { salesEndAt: new Date(Date.now() + 60 * DAY).toISOString() }],
      [
        'sales window reversed',
        {
          salesStartAt: new Date(Date.now() + 5 * DAY).toISOString(),
          salesEndAt: new Date(Date.now() + 4 * DAY).toISOString(),
        },
      ],
      ['maxPerBooking above capacity', { capacity: 5, maxPerBooking: 6 }],
      ['maxPerUser below maxPerBooking', { maxPerBooking: 4, maxPerUser: 2 }],
      [
        'in the past',
        {
          startsAt: new Date(Date.now() - 3 * DAY).toISOString(),
          endsAt: new Date(Date.now() - 2 * DAY).toISOString(),
        },
      ],
    ];
    for (const [label, overrides] of bad) {
      const data = await failure(organizer.client.events.create.mutate(eventInput(overrides)));
      expect(data.appCode, label).toBe('VALIDATION_FAILED');
    }
    const event = await organizer.client.events.create.mutate(eventInput());
    await expectAppCode(
      organizer.client.events.update.mutate({
        id: event.id,
        expectedVersion: 1,
        patch: { endsAt: new Date(Date.now() + DAY).toISOString() },
      }),
      'VALIDATION_FAILED',
    );
    await expectAppCode(
      organizer.client.events.update.mutate({ id: event.id, expectedVersion: 1, patch: {} }),
      'VALIDATION_FAILED',
    );
    expect((await organizer.client.events.get.query({ id: event.id })).version).toBe(1);
  });

  it('never lowers capacity below the seats booked or held (CAPACITY_BELOW_BOOKED)', async () => {
    const { app, organizer } = events.cast();
    const event = await organizer.client.events.create.mutate(
      eventInput({ capacity: 10, maxPerBooking: 2 }),
    );
    await organizer.client.events.publish.mutate({ id: event.id });
    // Seats taken by the bookings module (issue 5 books them through its allocator).
    await app.db.handle.db
      .updateTable('event_inventory')
      .set({ confirmed: 4, held: 3 })
      .where('event_id', '=', event.id)
      .execute();
    await expectAppCode(
      organizer.client.events.update.mutate({
        id: event.id,
        expectedVersion: 2,
        patch: { capacity: 6 },
      }),
      'CAPACITY_BELOW_BOOKED',
    );
    const ok = await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: 2,
      patch: { capacity: 7 },
    });
    expect(ok).toMatchObject({ capacity: 7, availability: { available: 0, soldOut: true } });
    const grown = await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: 3,
      patch: { capacity: 12 },
    });
    expect(grown.availability).toEqual({ available: 5, soldOut: false });
  });

  it("keeps its General admission type at the event's price and per-booking limit", async () => {
    const { app, organizer } = events.cast();
    const event = await organizer.client.events.create.mutate(
      eventInput({ priceCents: 1_500, maxPerBooking: 4 }),
    );
    const typeOf = () =>
      app.db.handle.db
        .selectFrom('ticket_types')
        .select(['name', 'price_cents', 'max_per_booking', 'status', 'hidden'])
        .where('event_id', '=', event.id)
        .execute();
    expect(await typeOf()).toEqual([
      {
        name: 'General admission',
        price_cents: '1500',
        max_per_booking: 4,
        status: 'active',
        hidden: false,
      },
    ]);
    await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: event.version,
      patch: { priceCents: 2_000, maxPerBooking: 6 },
    });
    expect(await typeOf()).toMatchObject([{ price_cents: '2000', max_per_booking: 6 }]);

    // Priced on its own, the type is the manager's: the event's next price change leaves it.
    const [ga] = await organizer.client.ticketTypes.list.query({ eventId: event.id });
    await organizer.client.ticketTypes.update.mutate({
      id: ga?.id ?? '',
      expectedVersion: ga?.version ?? 0,
      patch: { priceCents: 2_500 },
    });
    const current = await organizer.client.events.get.query({ id: event.id });
    await organizer.client.events.update.mutate({
      id: event.id,
      expectedVersion: current.version,
      patch: { priceCents: 900, maxPerBooking: 5 },
    });
    expect(await typeOf()).toMatchObject([{ price_cents: '2500', max_per_booking: 6 }]);
  });
});
