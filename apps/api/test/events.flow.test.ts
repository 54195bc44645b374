import { randomUUID } from 'node:crypto';
import type { EventInput } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode, failure } from './app-error.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function eventInput(overrides: Partial<EventInput> = {}): EventInput {
  const startsAt = new Date(Date.now() + 30 * DAY);
  return {
    title: `Concert ${randomUUID().slice(0, 8)}`,
    description: 'An evening of string quartets',
    venue: 'Town Hall',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 3 * HOUR).toISOString(),
    capacity: 100,
    priceCents: 2500,
    currency: 'EUR',
    ...overrides,
  };
}

// Every events procedure, rule and appCode, for all three roles and anonymous callers, over
// HTTP through the SDK on real Postgres and Redis.
describe('events', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let otherOrganizer: SignedUp;
  let user: SignedUp;
  let admin: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, otherOrganizer, user, admin] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.admin(),
    ]);
  });
  afterAll(async () => app?.close());

  const auditOf = (eventId: string) =>
    app.db.handle.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity', '=', 'event')
      .where('entity_id', '=', eventId)
      .orderBy('seq')
      .execute();
  const outboxOf = (eventId: string) =>
    app.db.handle.db
      .selectFrom('outbox')
      .select('topic')
      .where('aggregate_id', '=', eventId)
      .orderBy('seq')
      .execute();

  it('creates a draft, publishes it with its seats on sale, and audits both', async () => {
    const draft = await organizer.client.events.create.mutate(
      eventInput({ capacity: 40, maxPerUser: 20 }),
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
    expect(
      (await organizer.client.events.create.mutate(eventInput({ capacity: 50 }))).maxPerBooking,
    ).toBe(10);
    expect(
      (await organizer.client.events.create.mutate(eventInput({ capacity: 4 }))).maxPerBooking,
    ).toBe(4);
  });

  it('updates with expectedVersion: a stale version is a VERSION_CONFLICT and changes nothing', async () => {
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

  it('cancels a published event with a reason; drafts are deleted instead', async () => {
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
    const draft = await organizer.client.events.create.mutate(eventInput());
    expect(await organizer.client.events.delete.mutate({ id: draft.id })).toEqual({ ok: true });
    await expectAppCode(organizer.client.events.get.query({ id: draft.id }), 'NOT_FOUND');
    expect((await auditOf(draft.id)).map((a) => a.action)).toEqual(['create', 'delete']);
    await expectAppCode(organizer.client.events.delete.mutate({ id: draft.id }), 'NOT_FOUND');
  });

  it('marks ended events completed (the scheduled job), visible to all', async () => {
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

  describe('visibility and ownership', () => {
    it('a draft is seen by its organizer and admins only; others get NOT_FOUND', async () => {
      const draft = await organizer.client.events.create.mutate(eventInput());
      expect((await organizer.client.events.get.query({ id: draft.id })).id).toBe(draft.id);
      expect((await admin.client.events.get.query({ id: draft.id })).id).toBe(draft.id);
      await expectAppCode(otherOrganizer.client.events.get.query({ id: draft.id }), 'NOT_FOUND');
      await expectAppCode(user.client.events.get.query({ id: draft.id }), 'NOT_FOUND');
      await expectAppCode(app.client().events.get.query({ id: draft.id }), 'NOT_FOUND');
      await expectAppCode(app.client().events.get.query({ id: randomUUID() }), 'NOT_FOUND');
    });

    it('lists: public statuses for everyone, own drafts for organizers, everything for admins', async () => {
      const tag = randomUUID().slice(0, 8);
      const mine = await organizer.client.events.create.mutate(
        eventInput({ title: `Vis ${tag} draft` }),
      );
      const theirs = await otherOrganizer.client.events.create.mutate(
        eventInput({ title: `Vis ${tag} other` }),
      );
      const live = await organizer.client.events.create.mutate(
        eventInput({ title: `Vis ${tag} live` }),
      );
      await organizer.client.events.publish.mutate({ id: live.id });
      const ids = async (who: SignedUp | null) =>
        (await (who ? who.client : app.client()).events.list.query({ q: tag, limit: 100 })).items
          .map((e) => e.id)
          .sort();
      expect(await ids(null)).toEqual([live.id]);
      expect(await ids(user)).toEqual([live.id]);
      expect(await ids(organizer)).toEqual([mine.id, live.id].sort());
      expect(await ids(otherOrganizer)).toEqual([theirs.id, live.id].sort());
      expect(await ids(admin)).toEqual([mine.id, theirs.id, live.id].sort());
      const draftsOnly = await user.client.events.list.query({ q: tag, status: 'draft' });
      expect(draftsOnly.items).toEqual([]);
    });

    it("an organizer cannot touch another organizer's event; an admin can", async () => {
      const event = await organizer.client.events.create.mutate(eventInput());
      // Another organizer's draft does not exist for them.
      await expectAppCode(
        otherOrganizer.client.events.publish.mutate({ id: event.id }),
        'NOT_FOUND',
      );
      await organizer.client.events.publish.mutate({ id: event.id });
      await expectAppCode(
        otherOrganizer.client.events.update.mutate({
          id: event.id,
          expectedVersion: 2,
          patch: { title: 'Mine now' },
        }),
        'FORBIDDEN',
      );
      await expectAppCode(
        otherOrganizer.client.events.cancel.mutate({ id: event.id, reason: 'x' }),
        'FORBIDDEN',
      );
      await expectAppCode(
        otherOrganizer.client.events.delete.mutate({ id: event.id }),
        'FORBIDDEN',
      );
      const byAdmin = await admin.client.events.update.mutate({
        id: event.id,
        expectedVersion: 2,
        patch: { title: 'Fixed by admin' },
      });
      expect(byAdmin.title).toBe('Fixed by admin');
      expect((await auditOf(event.id)).at(-1)?.actor_id).toBe(admin.tokens.user.id);
    });

    it('users and anonymous callers cannot create or manage events', async () => {
      await expectAppCode(user.client.events.create.mutate(eventInput()), 'FORBIDDEN');
      await expectAppCode(app.client().events.create.mutate(eventInput()), 'UNAUTHENTICATED');
      const event = await organizer.client.events.create.mutate(eventInput());
      await expectAppCode(user.client.events.publish.mutate({ id: event.id }), 'FORBIDDEN');
      await expectAppCode(app.client().events.delete.mutate({ id: event.id }), 'UNAUTHENTICATED');
      // A bad token on a public read is refused, not silently treated as anonymous.
      await expectAppCode(app.client('not-a-token').events.list.query({}), 'UNAUTHENTICATED');
    });
  });

  describe('lists', () => {
    it('filters by time range, status, organizer and full-text query', async () => {
      const tag = randomUUID().slice(0, 8);
      const base = Date.now() + 100 * DAY;
      const at = (days: number) => new Date(base + days * DAY);
      const make = async (title: string, day: number, extra: Partial<EventInput> = {}) => {
        const e = await organizer.client.events.create.mutate(
          eventInput({
            title: `${title} ${tag}`,
            startsAt: at(day).toISOString(),
            endsAt: new Date(at(day).getTime() + HOUR).toISOString(),
            ...extra,
          }),
        );
        await organizer.client.events.publish.mutate({ id: e.id });
        return e;
      };
      const jazz = await make('Jazz night', 1, { venue: 'Blue Note cellar' });
      const opera = await make('Opera gala', 2, { description: 'Verdi and Puccini arias' });
      const rock = await make('Rock show', 3);
      const list = (input: Parameters<typeof organizer.client.events.list.query>[0]) =>
        app
          .client()
          .events.list.query(input)
          .then((p) => p.items.map((e) => e.id));
      expect(await list({ q: tag })).toEqual([jazz.id, opera.id, rock.id]);
      expect(await list({ q: `${tag} jazz` })).toEqual([jazz.id]);
      expect(await list({ q: `${tag} cellar` })).toEqual([jazz.id]);
      expect(await list({ q: `${tag} puccini` })).toEqual([opera.id]);
      expect(await list({ q: tag, from: at(2).toISOString() })).toEqual([opera.id, rock.id]);
      expect(await list({ q: tag, to: at(2).toISOString() })).toEqual([jazz.id]);
      expect(await list({ q: tag, organizerId: otherOrganizer.tokens.user.id })).toEqual([]);
      await organizer.client.events.cancel.mutate({ id: rock.id, reason: 'storm' });
      expect(await list({ q: tag, status: 'cancelled' })).toEqual([rock.id]);
      expect(await list({ q: tag, status: 'published' })).toEqual([jazz.id, opera.id]);
    });

    it('pages by cursor and refuses a forged cursor or an out-of-range limit', async () => {
      const tag = randomUUID().slice(0, 8);
      for (let i = 0; i < 5; i++) {
        const e = await organizer.client.events.create.mutate(
          eventInput({ title: `Paged ${tag} ${i}` }),
        );
        await organizer.client.events.publish.mutate({ id: e.id });
      }
      const first = await app.client().events.list.query({ q: tag, limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).not.toBeNull();
      const second = await app
        .client()
        .events.list.query({ q: tag, limit: 2, cursor: first.nextCursor ?? '' });
      const third = await app
        .client()
        .events.list.query({ q: tag, limit: 2, cursor: second.nextCursor ?? '' });
      expect(third.items).toHaveLength(1);
      expect(third.nextCursor).toBeNull();
      expect(new Set([...first.items, ...second.items, ...third.items].map((e) => e.id)).size).toBe(
        5,
      );
      await expectAppCode(
        app.client().events.list.query({ cursor: 'bm90LWEtY3Vyc29y' }),
        'VALIDATION_FAILED',
      );
      await expectAppCode(app.client().events.list.query({ limit: 101 }), 'VALIDATION_FAILED');
      await expectAppCode(app.client().events.list.query({ limit: 0 }), 'VALIDATION_FAILED');
    });

    it('shows live availability on cached reads', async () => {
      const event = await organizer.client.events.create.mutate(eventInput({ capacity: 10 }));
      await organizer.client.events.publish.mutate({ id: event.id });
      expect((await app.client().events.get.query({ id: event.id })).availability.available).toBe(
        10,
      );
      await app.db.handle.db
        .updateTable('event_inventory')
        .set({ confirmed: 10 })
        .where('event_id', '=', event.id)
        .execute();
      expect((await app.client().events.get.query({ id: event.id })).availability).toEqual({
        available: 0,
        soldOut: true,
      });
    });
  });
});
