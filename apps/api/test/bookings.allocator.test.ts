import { randomUUID } from 'node:crypto';
import { toOutboxRows } from '@evently/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAuditRows } from '../src/audit/audit.repository.js';
import {
  allocatorRepository,
  type BatchWrite,
} from '../src/modules/bookings/allocator.repository.js';
import type { BookingRow } from '../src/modules/bookings/bookings.repository.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

// The allocator's two round trips: the read a batch is decided on, and the one statement that
// writes it only if nothing moved in between. Driven here at the repository level, so the races
// that are rare under load happen on purpose.
const HOUR = 3_600_000;
const SCOPE = 'bookings.create';

describe('allocator writes', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let alice: SignedUp;
  let aliceId: string;

  beforeAll(async () => {
    app = await startTestApp();
    [organizer, alice] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
    aliceId = (await alice.client.auth.me.query()).id;
  });
  afterAll(async () => app?.close());

  const db = () => app.db.handle.db;

  async function publishedEvent(capacity = 10): Promise<string> {
    const startsAt = Date.now() + 5 * 24 * HOUR;
    const event = await organizer.client.events.create.mutate({
      title: `Allocator ${randomUUID().slice(0, 8)}`,
      venue: 'Hall',
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + 2 * HOUR).toISOString(),
      capacity,
      priceCents: 0,
      currency: 'EUR',
      maxPerBooking: 4,
    });
    await organizer.client.events.publish.mutate({ id: event.id });
    return event.id;
  }

  async function readState(eventId: string, keys: { userId: string; key: string }[] = []) {
    const states = await allocatorRepository.readBatchStates(
      db(),
      [eventId],
      SCOPE,
      [aliceId],
      keys,
      new Date(),
    );
    const state = states.get(eventId);
    if (!state?.inventory) throw new Error('no batch state');
    return { ...state, inventory: state.inventory };
  }

  /** A one-booking batch for alice, written against the versions in `state`. */
  function oneBooking(
    eventId: string,
    state: Awaited<ReturnType<typeof readState>>,
    key?: string,
  ): BatchWrite & { now: Date } {
    const now = new Date();
    const row: BookingRow = {
      id: randomUUID(),
      event_id: eventId,
      user_id: aliceId,
      quantity: 2,
      status: 'confirmed',
      unit_price_cents: '0',
      total_cents: '0',
      currency: 'EUR',
      expires_at: null,
      created_at: now,
      updated_at: now,
      confirmed_at: now,
      cancelled_at: null,
      cancel_reason: null,
      waitlist_entry_id: null,
    };
    const ref = {
      bookingId: row.id,
      eventId,
      userId: row.user_id,
      quantity: 2,
      unitPriceCents: 0,
      totalCents: 0,
      currency: 'EUR',
    };
    return {
      eventId,
      inventoryVersion: state.inventory.version,
      eventVersion: state.terms.version,
      seats: { confirmed: 2, held: 0 },
      seatAllocations: [],
      bookings: [row],
      items: [
        {
          id: randomUUID(),
          booking_id: row.id,
          ticket_type_id: state.ticketTypes[0]?.id ?? '',
          position: 0,
          quantity: 2,
          unit_price_cents: 0,
          discount_cents: 0,
          total_cents: 0,
        },
      ],
      quotas: [],
      vouchers: [],
      redemptions: [],
      keys: key ? [{ userId: aliceId, scope: SCOPE, key, requestHash: 'h', resultId: row.id }] : [],
      outbox: toOutboxRows(
        [
          {
            topic: 'booking.created',
            aggregateId: row.id,
            payload: { ...ref, status: 'confirmed', expiresAt: null, waitlistEntryId: null },
          },
          { topic: 'booking.confirmed', aggregateId: row.id, payload: ref },
        ],
        now,
      ),
      audits: toAuditRows([
        { entity: 'booking', entityId: row.id, action: 'create', actorId: row.user_id },
      ]),
      now,
    };
  }

  /** Writes one event's batch alone: true when it was written. */
  async function writeOne(write: BatchWrite & { now: Date }): Promise<boolean> {
    const written = await allocatorRepository.writeBatches(db(), [write], write.now);
    return written !== 'conflict' && written.has(write.eventId);
  }

  async function footprint(eventId: string) {
    const bookings = await db()
      .selectFrom('bookings')
      .select(['id', 'created_at'])
      .where('event_id', '=', eventId)
      .orderBy('created_at')
      .execute();
    const ids = bookings.length > 0 ? bookings.map((b) => b.id) : ['-'];
    const [inventory, outbox, audits] = await Promise.all([
      db()
        .selectFrom('event_inventory')
        .select(['confirmed', 'held', 'version'])
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow(),
      db()
        .selectFrom('outbox')
        .select(['topic', 'seq'])
        .where('aggregate_id', 'in', ids)
        .orderBy('seq')
        .execute(),
      db().selectFrom('audit_log').select('id').where('entity_id', 'in', ids).execute(),
    ]);
    return { bookings, inventory, outbox, audits };
  }

  it('writes a batch whole: inventory, bookings, events in order, audit rows', async () => {
    const eventId = await publishedEvent();
    const state = await readState(eventId);
    const write = oneBooking(eventId, state);
    expect(await writeOne(write)).toBe(true);

    const after = await footprint(eventId);
    expect(after.inventory).toMatchObject({ confirmed: 2, held: 0 });
    expect(after.inventory.version).toBe(state.inventory.version + 1);
    expect(after.bookings.map((b) => b.id)).toEqual([write.bookings[0]?.id]);
    // The caller's timestamp is the row's: the answer needs no read back.
    expect(after.bookings[0]?.created_at.getTime()).toBe(write.now.getTime());
    expect(after.outbox.map((o) => o.topic)).toEqual(['booking.created', 'booking.confirmed']);
    expect(after.audits).toHaveLength(1);
  });

  it('writes nothing when the inventory moved since the read', async () => {
    const eventId = await publishedEvent();
    const state = await readState(eventId);
    // Another booking lands between this batch's read and its write.
    expect(await writeOne(oneBooking(eventId, state))).toBe(true);
    const before = await footprint(eventId);

    expect(await writeOne(oneBooking(eventId, state))).toBe(false);
    expect(await footprint(eventId)).toEqual(before);
  });

  it('writes nothing when the event changed since the read (its terms may have)', async () => {
    const eventId = await publishedEvent();
    const state = await readState(eventId);
    const event = await organizer.client.events.get.query({ id: eventId });
    await organizer.client.events.update.mutate({
      id: eventId,
      expectedVersion: event.version,
      patch: { description: 'Doors at seven' },
    });
    const before = await footprint(eventId);

    expect(await writeOne(oneBooking(eventId, state))).toBe(false);
    expect(await footprint(eventId)).toEqual(before);
  });

  it('rolls the whole statement back when a key was recorded meanwhile', async () => {
    const eventId = await publishedEvent();
    const key = `key-${randomUUID()}`;
    const state = await readState(eventId, [{ userId: aliceId, key }]);
    expect(state.keys.size).toBe(0);
    // The same key committed by someone else after this batch's read.
    await db()
      .insertInto('idempotency_keys')
      .values({
        user_id: aliceId,
        scope: SCOPE,
        key,
        request_hash: 'other',
        response: JSON.stringify({ id: randomUUID() }),
        expires_at: new Date(Date.now() + HOUR),
      })
      .execute();
    const before = await footprint(eventId);

    expect(await writeOne(oneBooking(eventId, state, key))).toBe(false);
    expect(await footprint(eventId)).toEqual(before);
  });

  it('writes several events in one statement: those whose versions held, and only those', async () => {
    const [fresh, stale, alsoFresh] = await Promise.all([
      publishedEvent(),
      publishedEvent(),
      publishedEvent(),
    ]);
    const states = await allocatorRepository.readBatchStates(
      db(),
      [fresh, stale, alsoFresh],
      SCOPE,
      [aliceId],
      [],
      new Date(),
    );
    const stateOf = (id: string) => {
      const state = states.get(id);
      if (!state?.inventory) throw new Error('no batch state');
      return { ...state, inventory: state.inventory };
    };
    // `stale` is booked by someone else after the read.
    expect(await writeOne(oneBooking(stale, stateOf(stale)))).toBe(true);
    const staleBefore = await footprint(stale);

    const writes = [fresh, stale, alsoFresh].map((id) => oneBooking(id, stateOf(id)));
    const written = await allocatorRepository.writeBatches(db(), writes, new Date());
    expect(written).toEqual(new Set([fresh, alsoFresh]));
    expect(await footprint(stale)).toEqual(staleBefore);
    for (const [i, id] of [[0, fresh] as const, [2, alsoFresh] as const]) {
      const after = await footprint(id);
      expect(after.inventory).toMatchObject({ confirmed: 2, held: 0 });
      expect(after.bookings.map((b) => b.id)).toEqual([writes[i]?.bookings[0]?.id]);
      expect(after.outbox.map((o) => o.topic)).toEqual(['booking.created', 'booking.confirmed']);
      expect(after.audits).toHaveLength(1);
    }
  });

  it('reads what the decision needs: terms, versions, waiting, owned seats, keys', async () => {
    const eventId = await publishedEvent();
    const key = `key-${randomUUID()}`;
    const first = await readState(eventId);
    expect(await writeOne(oneBooking(eventId, first, key))).toBe(true);

    const state = await readState(eventId, [{ userId: aliceId, key }]);
    expect(state.terms).toMatchObject({ eventId, status: 'published', maxPerBooking: 4 });
    expect(state.inventory).toMatchObject({ capacity: 10, confirmed: 2, held: 0 });
    expect(state.queue).toEqual({ types: new Set(), quotas: new Set(), event: false });
    expect(state.ticketTypes).toMatchObject([{ name: 'General admission', status: 'active' }]);
    expect(state.keys.get(`${aliceId}:${key}`)).toMatchObject({
      requestHash: 'h',
      live: true,
    });
    // Owned seats are only read for events with a per-person limit.
    expect(state.owned.size).toBe(0);
  });

  it('lets a key be used again once its 24 h are over (through the API)', async () => {
    const eventId = await publishedEvent();
    const key = `key-${randomUUID()}`;
    const first = await alice.client.bookings.create.mutate({
      eventId,
      quantity: 1,
      idempotencyKey: key,
    });
    await db()
      .updateTable('idempotency_keys')
      .set({ expires_at: new Date(Date.now() - 1_000) })
      .where('user_id', '=', aliceId)
      .where('key', '=', key)
      .execute();

    // Other parameters would be IDEMPOTENCY_KEY_REUSED while the key lives; now it is a new booking.
    const second = await alice.client.bookings.create.mutate({
      eventId,
      quantity: 2,
      idempotencyKey: key,
    });
    expect(second.id).not.toBe(first.id);
    expect(second.quantity).toBe(2);
    const replay = await alice.client.bookings.create.mutate({
      eventId,
      quantity: 2,
      idempotencyKey: key,
    });
    expect(replay.id).toBe(second.id);
  });
});
