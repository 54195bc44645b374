import { describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { useEventsCast } from './events.fixtures.js';

const HOUR = 3_600_000;

// An event's life over HTTP through the SDK on real Postgres and Redis: draft, published,
// cancelled or deleted, completed — each step audited and published to the outbox.
describe('events: lifecycle', () => {
  const events = useEventsCast();
  const { auditOf, outboxOf } = events;

  it('creates a draft, publishes it with its seats on sale, and audits both', async () => {
    const { app, organizer } = events.cast();
    const draft = await organizer.client.events.create.mutate(
      eventInput({ capacity: 40, maxPerUser: 20, maxPerBooking: undefined }),
    );
    expect(draft).toMatchObject({
      status: 'draft',
      organizerId: organizer.tokens.user.id,
      version: 1,
      capacity: 40,
      maxPerBooking: 10,
      maxPerUser: 20,
      salesStartAt: null,
      publishedAt: null,
      availability: { available: 0, soldOut: false },
    });
    const published = await organizer.client.events.publish.mutate({ id: draft.id });
    expect(published).toMatchObject({
      status: 'published',
      version: 2,
      availability: { available: 40, soldOut: false },
    });
    expect(published.publishedAt).not.toBeNull();
    const inventory = await app.db.handle.db
      .selectFrom('event_inventory')
      .selectAll()
      .where('event_id', '=', draft.id)
      .executeTakeFirstOrThrow();
    expect(inventory).toMatchObject({ capacity: 40, confirmed: 0, held: 0 });
    const audit = await auditOf(draft.id);
    expect(audit.map((a) => a.action)).toEqual(['create', 'publish']);
    expect(audit[1]?.before).toMatchObject({ status: 'draft' });
    expect(audit[1]?.after).toMatchObject({ status: 'published' });
    expect((await outboxOf(draft.id)).map((o) => o.topic)).toEqual([
      'event.created',
      'event.published',
    ]);
    await expectAppCode(organizer.client.events.publish.mutate({ id: draft.id }), 'INVALID_STATE');
  });

  it('defaults maxPerBooking to 10, or to a smaller capacity', async () => {
    const { organizer } = events.cast();
    expect(
      (
        await organizer.client.events.create.mutate(
          eventInput({ capacity: 50, maxPerBooking: undefined }),
        )
      ).maxPerBooking,
    ).toBe(10);
    expect(
      (
        await organizer.client.events.create.mutate(
          eventInput({ capacity: 4, maxPerBooking: undefined }),
        )
      ).maxPerBooking,
    ).toBe(4);
  });

  it('cancels a published event with a reason; drafts are deleted instead', async () => {
    const { app, organizer } = events.cast();
    const event = await organizer.client.events.create.mutate(eventInput());
    await expectAppCode(
      organizer.client.events.cancel.mutate({ id: event.id, reason: 'nope' }),
      'INVALID_STATE',
    );
    await organizer.client.events.publish.mutate({ id: event.id });
    await expectAppCode(organizer.client.events.delete.mutate({ id: event.id }), 'INVALID_STATE');
    const cancelled = await organizer.client.events.cancel.mutate({
      id: event.id,
      reason: 'The band is ill',
    });
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelReason: 'The band is ill' });
    expect(cancelled.cancelledAt).not.toBeNull();
    await expectAppCode(
      organizer.client.events.cancel.mutate({ id: event.id, reason: 'again' }),
      'INVALID_STATE',
    );
    await expectAppCode(
      organizer.client.events.update.mutate({
        id: event.id,
        expectedVersion: 3,
        patch: { title: 'x' },
      }),
      'INVALID_STATE',
    );
    const cancelledEvent = await app.db.handle.db
      .selectFrom('outbox')
      .select('payload')
      .where('aggregate_id', '=', event.id)
      .where('topic', '=', 'event.cancelled')
      .executeTakeFirstOrThrow();
    expect(cancelledEvent.payload).toMatchObject({ reason: 'The band is ill' });
    // Still visible to everyone, as cancelled.
    expect((await app.client().events.get.query({ id: event.id })).status).toBe('cancelled');
  });

  it('deletes drafts, audited', async () => {
    const { organizer } = events.cast();
    const draft = await organizer.client.events.create.mutate(eventInput());
    expect(await organizer.client.events.delete.mutate({ id: draft.id })).toEqual({ ok: true });
    await expectAppCode(organizer.client.events.get.query({ id: draft.id }), 'NOT_FOUND');
    expect((await auditOf(draft.id)).map((a) => a.action)).toEqual(['create', 'delete']);
    await expectAppCode(organizer.client.events.delete.mutate({ id: draft.id }), 'NOT_FOUND');
  });

  it('marks ended events completed (the scheduled job), visible to all', async () => {
    const { app, organizer } = events.cast();
    const event = await organizer.client.events.create.mutate(eventInput());
    await organizer.client.events.publish.mutate({ id: event.id });
    await app.db.handle.db
      .updateTable('events')
      .set({ starts_at: new Date(Date.now() - 2 * HOUR), ends_at: new Date(Date.now() - HOUR) })
      .where('id', '=', event.id)
      .execute();
    expect(await app.services.events.completeEnded()).toBeGreaterThanOrEqual(1);
    const completed = await app.client().events.get.query({ id: event.id });
    expect(completed).toMatchObject({
      status: 'completed',
      availability: { available: 0, soldOut: false },
    });
    expect((await outboxOf(event.id)).map((o) => o.topic)).toContain('event.completed');
    expect(await app.services.events.completeEnded()).toBe(0);
  });
});
