import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { payFor } from './payments.js';
import { useWaitlist } from './waitlist.fixtures.js';

// Joining the waitlist over HTTP: when a join is taken, and what it is checked against.
describe('waitlist: joining', () => {
  const waitlist = useWaitlist({ queuers: 2 });
  const { publishedEvent, draftEvent, queueOf } = waitlist;

  it('holds maxPerUser across a join: seats owned plus the queued ones, refused with nothing changed', async () => {
    const { app, organizer, holder, user } = waitlist.cast();
    const event = await publishedEvent({ capacity: 4, maxPerBooking: 2, maxPerUser: 3 });
    const [a, b] = [user(0), user(1)];
    const own = await a.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    const { db } = app.db.handle;
    const snapshot = async () => ({
      inventory: await db
        .selectFrom('event_inventory')
        .select(['confirmed', 'held', 'version'])
        .where('event_id', '=', event.id)
        .executeTakeFirstOrThrow(),
      // Ordered: the worker marks outbox rows relayed and delivered meanwhile, and an updated
      // row moves in the heap, so an unordered read may list the same rows in another order.
      entries: await db
        .selectFrom('waitlist_entries')
        .select('id')
        .where('event_id', '=', event.id)
        .orderBy('id')
        .execute(),
      keys: await db
        .selectFrom('idempotency_keys')
        .select('key')
        .where('user_id', '=', a.tokens.user.id)
        .orderBy('key')
        .execute(),
      audits: await db.selectFrom('audit_log').select('id').orderBy('seq').execute(),
      outbox: await db.selectFrom('outbox').select('id').orderBy('seq').execute(),
    });
    const before = await snapshot();
    const key = `join-${randomUUID()}`;

    // 2 held + 2 queued > 3: refused like a direct booking over the limit, pending seats counted.
    const refused = await expectAppCode(
      a.client.bookings.waitlist.join.mutate({
        eventId: event.id,
        quantity: 2,
        idempotencyKey: key,
      }),
      'QUANTITY_LIMIT_EXCEEDED',
    );
    expect(refused.details).toEqual({ maxPerUser: 3, alreadyBooked: 2 });
    expect(await snapshot()).toEqual(before);
    // Confirmed seats count the same (a paid hold is confirmed by its payment).
    await payFor(organizer.client, own);
    const afterConfirm = await snapshot();
    const again = await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 }),
      'QUANTITY_LIMIT_EXCEEDED',
    );
    expect(again.details).toEqual({ maxPerUser: 3, alreadyBooked: 2 });
    expect(await snapshot()).toEqual(afterConfirm);

    // Up to the limit is fine; the refused call did not record its key (no IDEMPOTENCY_KEY_REUSED).
    const entry = await a.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
      idempotencyKey: key,
    });
    expect(entry).toMatchObject({ status: 'waiting', quantity: 1 });
    // Someone who owns nothing queues a whole booking's worth.
    expect(
      await b.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 }),
    ).toMatchObject({ status: 'waiting', quantity: 2 });
    expect((await queueOf(event.id)).map((e) => e.userId)).toEqual([
      a.tokens.user.id,
      b.tokens.user.id,
    ]);
  });

  it('refuses to queue while seats are free and nobody waits, and checks what it queues', async () => {
    const { holder, user } = waitlist.cast();
    const event = await publishedEvent({ capacity: 3, maxPerBooking: 2 });
    const [a, b] = [user(0), user(1)];
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 }),
      'INVALID_STATE',
    );
    await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    // One seat is free: a queue for one seat is refused, for two it is taken.
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 }),
      'INVALID_STATE',
    );
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 3 }),
      'QUANTITY_LIMIT_EXCEEDED',
    );
    const key = `join-${randomUUID()}`;
    const entry = await a.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 2,
      idempotencyKey: key,
    });
    const replay = await a.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 2,
      idempotencyKey: key,
    });
    expect(replay.id).toBe(entry.id);
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({
        eventId: event.id,
        quantity: 1,
        idempotencyKey: key,
      }),
      'IDEMPOTENCY_KEY_REUSED',
    );
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 2 }),
      'INVALID_STATE',
    );
    // Someone waits, so a one-seat join is taken now although a seat is free.
    const second = await b.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
    });
    expect(second).toMatchObject({ status: 'waiting', quantity: 1 });
    expect((await queueOf(event.id)).map((e) => e.id)).toEqual([entry.id, second.id]);

    const draft = await draftEvent();
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: draft.id, quantity: 1 }),
      'NOT_FOUND',
    );
    await expectAppCode(
      a.client.bookings.waitlist.join.mutate({ eventId: randomUUID(), quantity: 1 }),
      'NOT_FOUND',
    );
  });
});
