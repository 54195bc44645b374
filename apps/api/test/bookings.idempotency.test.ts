import { randomUUID } from 'node:crypto';
import type { Booking } from '@evently/contracts';
import type { EventlyClient } from '@evently/sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode, failure } from './app-error.js';
import { type SignedUp, startTestApp, type TestApp, type TestInstance } from './harness.js';

// Idempotency keys of bookings.create (per user, Stripe-like) under racing retries: two API
// instances on one database and Redis prefix, each with its own allocator (so duplicates meet
// both inside one batch and across batches and instances).
const PARALLEL = 50;
const HOUR = 3_600_000;

describe('bookings.create idempotency keys', () => {
  let app: TestApp;
  let second: TestInstance;
  let organizer: SignedUp;
  let alice: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    second = await app.startInstance();
    [organizer, alice] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
  });
  afterAll(async () => app?.close());

  async function publishedEvent(priceCents: number): Promise<string> {
    const startsAt = Date.now() + 5 * 24 * HOUR;
    const event = await organizer.client.events.create.mutate({
      title: `Keys ${randomUUID().slice(0, 8)}`,
      venue: 'Club',
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + 2 * HOUR).toISOString(),
      capacity: 100,
      priceCents,
      currency: 'EUR',
      maxPerBooking: 3,
    });
    await organizer.client.events.publish.mutate({ id: event.id });
    return event.id;
  }

  /** A fresh client per call, alternating instances: every call is an HTTP request of its own. */
  const clientOf = (user: SignedUp, i: number): EventlyClient =>
    (i % 2 === 0 ? app : second).client(user.tokens.accessToken);

  const key = () => `key-${randomUUID()}`;

  /** What the database holds for the event: bookings, inventory, keys, audit rows, outbox events. */
  async function recorded(eventId: string) {
    const db = app.db.handle.db;
    const bookings = await db
      .selectFrom('bookings')
      .select(['id', 'user_id', 'quantity', 'status'])
      .where('event_id', '=', eventId)
      .execute();
    const ids = bookings.length ? bookings.map((b) => b.id) : ['-'];
    const [inventory, keys, audits, events] = await Promise.all([
      db
        .selectFrom('event_inventory')
        .select(['confirmed', 'held'])
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('idempotency_keys')
        .select(['user_id', 'key', 'response'])
        .where('scope', '=', 'bookings.create')
        .where(sql<string>`response->>'id'`, 'in', ids)
        .execute(),
      db
        .selectFrom('audit_log')
        .select(['entity_id', 'action'])
        .where('entity', '=', 'booking')
        .where('entity_id', 'in', ids)
        .execute(),
      db
        .selectFrom('outbox')
        .select(['aggregate_id', 'topic'])
        .where('aggregate_id', 'in', ids)
        .execute(),
    ]);
    return { bookings, inventory, keys, audits, events };
  }

  it.each([
    { kind: 'paid', priceCents: 1_500 },
    { kind: 'free', priceCents: 0 },
  ])(
    `${PARALLEL} parallel identical requests with one key make one booking ($kind event), across both instances`,
    async ({ priceCents }) => {
      const eventId = await publishedEvent(priceCents);
      const idempotencyKey = key();
      const answers = await Promise.allSettled(
        Array.from({ length: PARALLEL }, (_, i) =>
          clientOf(alice, i).bookings.create.mutate({ eventId, quantity: 2, idempotencyKey }),
        ),
      );
      const rejected = answers.filter((a) => a.status === 'rejected');
      expect(rejected).toEqual([]);
      const bookings = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
      const ids = new Set(bookings.map((b) => b.id));
      expect(ids.size).toBe(1);
      const [first] = bookings as [Booking];
      expect(first).toMatchObject({
        eventId,
        quantity: 2,
        status: priceCents > 0 ? 'pending' : 'confirmed',
      });
      // Every answer is the same booking, not merely the same id.
      for (const booking of bookings) expect(booking).toEqual(first);

      const db = await recorded(eventId);
      expect(db.bookings).toEqual([
        { id: first.id, user_id: first.userId, quantity: 2, status: first.status },
      ]);
      expect(db.inventory).toEqual(
        priceCents > 0 ? { confirmed: 0, held: 2 } : { confirmed: 2, held: 0 },
      );
      expect(db.keys).toEqual([
        { user_id: first.userId, key: idempotencyKey, response: { id: first.id } },
      ]);
      expect(db.audits).toEqual([{ entity_id: first.id, action: 'create' }]);
      expect(db.events.map((e) => e.topic).sort()).toEqual(
        priceCents > 0 ? ['booking.created'] : ['booking.confirmed', 'booking.created'],
      );

      // A later retry through either instance replays the booking.
      for (const i of [0, 1]) {
        await expect(
          clientOf(alice, i).bookings.create.mutate({ eventId, quantity: 2, idempotencyKey }),
        ).resolves.toEqual(first);
      }
      expect((await recorded(eventId)).bookings).toHaveLength(1);
    },
  );

  it('refuses the same key with other parameters (quantity or event) on both instances', async () => {
    const eventId = await publishedEvent(1_500);
    const otherEventId = await publishedEvent(1_500);
    const idempotencyKey = key();
    const original = await clientOf(alice, 0).bookings.create.mutate({
      eventId,
      quantity: 1,
      idempotencyKey,
    });
    for (const i of [0, 1]) {
      await expectAppCode(
        clientOf(alice, i).bookings.create.mutate({ eventId, quantity: 3, idempotencyKey }),
        'IDEMPOTENCY_KEY_REUSED',
      );
      await expectAppCode(
        clientOf(alice, i).bookings.create.mutate({
          eventId: otherEventId,
          quantity: 1,
          idempotencyKey,
        }),
        'IDEMPOTENCY_KEY_REUSED',
      );
    }
    // Refused in parallel too, while the original still replays.
    const racing = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? failure(
              clientOf(alice, i >> 1).bookings.create.mutate({
                eventId,
                quantity: 2,
                idempotencyKey,
              }),
            ).then((data) => data.appCode)
          : clientOf(alice, i >> 1)
              .bookings.create.mutate({ eventId, quantity: 1, idempotencyKey })
              .then((b) => b.id),
      ),
    );
    expect(racing).toEqual(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'IDEMPOTENCY_KEY_REUSED' : original.id)),
    );
    expect((await recorded(eventId)).bookings.map((b) => b.id)).toEqual([original.id]);
    expect((await recorded(otherEventId)).bookings).toEqual([]);
  });

  it('a race of one key with two quantities: one booking, its quantity replays, the other is refused', async () => {
    const eventId = await publishedEvent(1_500);
    const idempotencyKey = key();
    const quantities = Array.from({ length: PARALLEL }, (_, i) => 1 + (i % 2));
    const answers = await Promise.all(
      quantities.map((quantity, i) =>
        clientOf(alice, i >> 1)
          .bookings.create.mutate({ eventId, quantity, idempotencyKey })
          .then(
            (booking) => ({ quantity, booking, code: undefined }),
            async (error: unknown) => ({
              quantity,
              booking: undefined,
              code: (await failure(Promise.reject(error))).appCode,
            }),
          ),
      ),
    );
    const booked = answers.flatMap((a) => (a.booking ? [a.booking] : []));
    const [winner] = booked;
    if (!winner) throw new Error('no request booked');
    expect(new Set(booked.map((b) => b.id))).toEqual(new Set([winner.id]));
    for (const answer of answers) {
      if (answer.quantity === winner.quantity) expect(answer.booking?.id).toBe(winner.id);
      else expect(answer.code).toBe('IDEMPOTENCY_KEY_REUSED');
    }
    const db = await recorded(eventId);
    expect(db.bookings.map((b) => [b.id, b.quantity])).toEqual([[winner.id, winner.quantity]]);
    expect(db.inventory).toEqual({ confirmed: 0, held: winner.quantity });
    expect(db.audits).toHaveLength(1);
    expect(db.events).toHaveLength(1);
  });

  it('keys are per user: the same key from different users makes a booking each', async () => {
    const eventId = await publishedEvent(0);
    const users = [alice, ...(await Promise.all([app.signUp(), app.signUp(), app.signUp()]))];
    const idempotencyKey = key();
    const answers = await Promise.all(
      users.flatMap((user) =>
        Array.from({ length: 6 }, (_, i) =>
          clientOf(user, i).bookings.create.mutate({ eventId, quantity: 1, idempotencyKey }),
        ),
      ),
    );
    const byUser = new Map<string, Set<string>>();
    for (const booking of answers) {
      byUser.set(booking.userId, (byUser.get(booking.userId) ?? new Set()).add(booking.id));
    }
    expect(byUser.size).toBe(users.length);
    for (const ids of byUser.values()) expect(ids.size).toBe(1);
    const db = await recorded(eventId);
    expect(db.bookings).toHaveLength(users.length);
    expect(db.inventory).toEqual({ confirmed: users.length, held: 0 });
    expect(db.keys).toHaveLength(users.length);
  });
});
