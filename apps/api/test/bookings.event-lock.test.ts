import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMemoryLocks, type LockPort, LockUnavailableError } from '@evently/platform';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../src/kernel/app-error.js';
import { type Allocator, createAllocator } from '../src/modules/bookings/allocator.js';
import { silentLog } from './capture-log.js';
import { eventInput } from './event-input.js';
import { startTestApp, type TestApp } from './harness.js';
import { lockWaiters, withKeyPending } from './pending-key.js';

// A booking of a quiet event must not pay for what only a hot event needs: it rides the lane's
// next round with every other quiet event's bookings (one read, one write, no Redis lock). Once
// it loses a version race to another process, the event is contended and its batches take the
// lock for a while. The version check decides either way.

describe('the event lock, only when contended', () => {
  let app: TestApp;
  let userId: string;
  let organizer: Awaited<ReturnType<TestApp['signUp']>>;

  beforeAll(async () => {
    app = await startTestApp();
    organizer = await app.signUp({ role: 'organizer' });
    userId = (await (await app.signUp()).client.auth.me.query()).id;
  });
  afterAll(async () => app?.close());

  const db = () => app.db.handle.db;

  async function event(): Promise<string> {
    const created = await organizer.client.events.create.mutate(
      eventInput({ capacity: 100, priceCents: 0, maxPerBooking: 2 }),
    );
    await organizer.client.events.publish.mutate({ id: created.id });
    return created.id;
  }

  type CountingLocks = LockPort & {
    holds: Map<string, number>;
    /** Called when a hold is asked for; the hold waits for the promise it returns. */
    onAsk?: () => Promise<void>;
  };

  /** Memory locks that count the holds taken per key. */
  function countingLocks(): CountingLocks {
    const memory = createMemoryLocks();
    const locks: CountingLocks = {
      holds: new Map(),
      withLock: async (key, options, fn) => {
        locks.holds.set(key, (locks.holds.get(key) ?? 0) + 1);
        await locks.onAsk?.();
        return memory.withLock(key, options, fn);
      },
      close: () => memory.close(),
    };
    return locks;
  }

  function ticking(): () => Date {
    const start = Date.now();
    let readings = 0;
    return () => new Date(start + readings++);
  }

  const allocatorWith = (
    locks: LockPort,
    options: { contendedMs?: number; lockWhen?: 'always' } = {},
  ): Allocator =>
    createAllocator({
      db: db(),
      locks,
      holdMinutes: 15,
      log: silentLog,
      // A millisecond on for every reading: one `now` shared by bookings means one round.
      now: ticking(),
      onHolds: () => {},
      contendedMs: options.contendedMs ?? 60_000,
      ...(options.lockWhen && { lockWhen: options.lockWhen }),
    });

  const book = (
    allocator: Allocator,
    eventId: string,
    key?: { idempotencyKey: string; requestHash: string },
  ) =>
    allocator.book(eventId, {
      principal: { kind: 'user', userId, role: 'user', sessionId: randomUUID() },
      quantity: 1,
      idempotencyKey: key?.idempotencyKey,
      requestHash: key?.requestHash ?? randomUUID(),
    });

  /** Seats confirmed on the event's inventory row. */
  async function confirmedOf(eventId: string): Promise<number> {
    const row = await db()
      .selectFrom('event_inventory')
      .select('confirmed')
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();
    return row.confirmed;
  }

  /**
   * A booking whose first write loses its race: the test holds the inventory row (as another
   * process's write would) while the allocator reads and writes — the write skips the held row
   * instead of waiting for it — then moves the version on ("another process booked") and lets go
   * once the allocator asks for the event's lock (or has answered, when it cannot get it).
   */
  async function bookLosingARace(allocator: Allocator, eventId: string, locks?: CountingLocks) {
    let booked: ReturnType<Allocator['book']> | undefined;
    let letGo!: () => void;
    const committed = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    let asked!: () => void;
    const lockAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    if (locks)
      locks.onAsk = () => {
        asked();
        return committed;
      };
    await db()
      .transaction()
      .execute(async (trx) => {
        await sql`SELECT 1 FROM event_inventory WHERE event_id = ${eventId} FOR UPDATE`.execute(
          trx,
        );
        booked = book(allocator, eventId);
        // Handled here too: it may be refused before the caller awaits it.
        booked.catch(() => {});
        await Promise.race([
          lockAsked,
          booked.then(
            () => {},
            () => {},
          ),
        ]);
        await sql`UPDATE event_inventory SET version = version + 1 WHERE event_id = ${eventId}`.execute(
          trx,
        );
      });
    letGo();
    if (locks) delete locks.onAsk;
    return booked;
  }

  it('books a quiet event without taking its lock', async () => {
    const locks = countingLocks();
    const allocator = allocatorWith(locks);
    const eventId = await event();
    for (let i = 0; i < 3; i++) expect((await book(allocator, eventId)).status).toBe('confirmed');
    // Three requests in one tick: one batch, still no lock.
    const rows = await Promise.all([1, 2, 3].map(() => book(allocator, eventId)));
    expect(new Set(rows.map((r) => r.created_at.getTime())).size).toBe(1);
    expect(locks.holds.get(`event:${eventId}`)).toBeUndefined();
    await locks.close();
  });

  it('after a lost race the batch goes on under the lock, and so do the next ones while contended', async () => {
    const locks = countingLocks();
    const allocator = allocatorWith(locks);
    const eventId = await event();
    const other = await event();
    const row = await bookLosingARace(allocator, eventId, locks);
    expect(row?.status).toBe('confirmed');
    expect(locks.holds.get(`event:${eventId}`)).toBe(1);
    await book(allocator, eventId);
    expect(locks.holds.get(`event:${eventId}`)).toBe(2);
    // Contention is per event: another event stays lock-free.
    await book(allocator, other);
    expect(locks.holds.get(`event:${other}`)).toBeUndefined();
    expect(await confirmedOf(eventId)).toBe(2);
    await locks.close();
  });

  it('a key past its 24 h, forgotten before the booking, does not make the event contended', async () => {
    const locks = countingLocks();
    const allocator = allocatorWith(locks);
    const eventId = await event();
    const dayAgo = new Date(Date.now() - 25 * 3_600_000);
    await db()
      .insertInto('idempotency_keys')
      .values({
        user_id: userId,
        scope: 'bookings.create',
        key: 'reused-after-a-day',
        request_hash: 'earlier request',
        response: JSON.stringify({ id: randomUUID() }),
        created_at: dayAgo,
        expires_at: new Date(dayAgo.getTime() + 3_600_000),
      })
      .execute();
    const row = await book(allocator, eventId, {
      idempotencyKey: 'reused-after-a-day',
      requestHash: 'this request',
    });
    expect(row.status).toBe('confirmed');
    expect(locks.holds.get(`event:${eventId}`)).toBeUndefined();
    await locks.close();
  });

  it('an event is quiet again once its contention has run out', async () => {
    const locks = countingLocks();
    const allocator = allocatorWith(locks, { contendedMs: 1 });
    const eventId = await event();
    await bookLosingARace(allocator, eventId, locks);
    expect(locks.holds.get(`event:${eventId}`)).toBe(1);
    await sleep(50);
    await book(allocator, eventId);
    expect(locks.holds.get(`event:${eventId}`)).toBe(1);
    await locks.close();
  });

  it('with no lock to be had, a quiet event is still booked; a contended one answers SERVICE_UNAVAILABLE', async () => {
    const away: LockPort = {
      withLock: async (key) => {
        throw new LockUnavailableError(key);
      },
      close: async () => {},
    };
    const allocator = allocatorWith(away);
    const eventId = await event();
    expect((await book(allocator, eventId)).status).toBe('confirmed');
    await expect(bookLosingARace(allocator, eventId)).rejects.toMatchObject({
      appCode: 'SERVICE_UNAVAILABLE',
    });
    // Nothing was written for the refused one.
    expect(await confirmedOf(eventId)).toBe(1);
  });

  it('with BOOKING_EVENT_LOCK=always every batch takes the lock (the earlier behaviour)', async () => {
    const locks = countingLocks();
    const allocator = allocatorWith(locks, { lockWhen: 'always' });
    const eventId = await event();
    await book(allocator, eventId);
    await book(allocator, eventId);
    expect(locks.holds.get(`event:${eventId}`)).toBe(2);
    await locks.close();
  });

  it('under its lock a batch outlasts lock-free writers of its row (confirmations) instead of refusing', async () => {
    const allocator = allocatorWith(countingLocks(), { lockWhen: 'always' });
    const eventId = await event();
    // Confirmations, cancellations and expiries move seats without the lock. Here one holds the
    // row for 1.5 s: every write the batch tries meanwhile skips the row and loses its race.
    // (Before, the batch gave up after eight lost races, well under 1.5 s, with
    // SERVICE_UNAVAILABLE; now it keeps trying for LOCKED_RACE_BUDGET_MS, 3 s.)
    let booking: ReturnType<Allocator['book']> | undefined;
    const started = performance.now();
    await db()
      .transaction()
      .execute(async (trx) => {
        await sql`SELECT 1 FROM event_inventory WHERE event_id = ${eventId} FOR UPDATE`.execute(
          trx,
        );
        booking = book(allocator, eventId);
        booking.catch(() => {});
        await sleep(1_500);
      });
    const answered = await (booking ?? Promise.reject(new Error('not booked'))).then(
      (row) => row.status,
      (error: unknown) => (error instanceof AppError ? error.appCode : String(error)),
    );
    expect(answered).toBe('confirmed');
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(await confirmedOf(eventId)).toBe(1);
  });

  it('quiet events booked in one tick share one round: one read, one write, no lock', async () => {
    const locks = countingLocks();
    const allocator = allocatorWith(locks);
    const events = await Promise.all([event(), event(), event()]);
    const rows = await Promise.all(
      events.flatMap((id) => [book(allocator, id), book(allocator, id)]),
    );
    expect(rows.map((r) => r.event_id)).toEqual(events.flatMap((id) => [id, id]));
    // One round: one `now` for all of them.
    expect(new Set(rows.map((r) => r.created_at.getTime())).size).toBe(1);
    for (const id of events) expect(await confirmedOf(id)).toBe(2);
    expect(locks.holds.size).toBe(0);
    await locks.close();
  });

  it('a round writes the events it can: one whose row is being written is not waited for', async () => {
    const locks = countingLocks();
    const allocator = allocatorWith(locks);
    const [quiet, other, held] = await Promise.all([event(), event(), event()]);
    let heldBooking: ReturnType<Allocator['book']> | undefined;
    await db()
      .transaction()
      .execute(async (trx) => {
        // Another process writing `held` right now.
        await sql`SELECT 1 FROM event_inventory WHERE event_id = ${held} FOR UPDATE`.execute(trx);
        let asked!: () => void;
        const lockAsked = new Promise<void>((resolve) => {
          asked = resolve;
        });
        locks.onAsk = async () => asked();
        heldBooking = book(allocator, held);
        heldBooking.catch(() => {});
        // Answered while the row is still held: the round did not wait on it.
        const [a, b] = await Promise.all([book(allocator, quiet), book(allocator, other)]);
        expect([a.status, b.status]).toEqual(['confirmed', 'confirmed']);
        // `held` lost its race and goes on under the event's lock.
        await lockAsked;
        await sql`UPDATE event_inventory SET version = version + 1 WHERE event_id = ${held}`.execute(
          trx,
        );
      });
    expect((await heldBooking)?.status).toBe('confirmed');
    expect([await confirmedOf(quiet), await confirmedOf(other), await confirmedOf(held)]).toEqual([
      1, 1, 1,
    ]);
    expect([...locks.holds.keys()]).toEqual([`event:${held}`]);
    await locks.close();
  });

  it('one idempotency key for two events in one tick: one booking, the other is a reuse', async () => {
    const locks = countingLocks();
    const allocator = allocatorWith(locks);
    const [first, second] = await Promise.all([event(), event()]);
    const key = `key-${randomUUID()}`;
    const outcomes = await Promise.allSettled([
      book(allocator, first, { idempotencyKey: key, requestHash: `hash of ${first}` }),
      book(allocator, second, { idempotencyKey: key, requestHash: `hash of ${second}` }),
    ]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { event_id: first } });
    expect(outcomes[1]).toMatchObject({
      status: 'rejected',
      reason: { appCode: 'IDEMPOTENCY_KEY_REUSED' },
    });
    expect([await confirmedOf(first), await confirmedOf(second)]).toEqual([1, 0]);
    // The second waited for the next round instead of failing this one's write whole (which
    // would have sent both events to the lock as if contended).
    expect(locks.holds.size).toBe(0);
    await locks.close();
  });

  it('a round stuck in Postgres does not hold up the next event: two rounds are in flight', async () => {
    const allocator = allocatorWith(countingLocks());
    const [stuck, next] = await Promise.all([event(), event()]);
    const key = `key-${randomUUID()}`;
    let stuckBooking: ReturnType<Allocator['book']> | undefined;
    // The same key, recorded by a transaction still open: the first round's write waits on the
    // key's unique index until it ends.
    await withKeyPending(db(), userId, key, async () => {
      stuckBooking = book(allocator, stuck, { idempotencyKey: key, requestHash: 'mine' });
      stuckBooking.catch(() => {});
      await vi.waitFor(async () => expect(await lockWaiters(db())).toBe(1), {
        timeout: 30_000,
        interval: 20,
      });
      // Answered while the first round still waits.
      expect((await book(allocator, next)).status).toBe('confirmed');
    });
    // The other transaction rolled back: the key was never recorded, so this one books.
    expect((await stuckBooking)?.status).toBe('confirmed');
  });
});
