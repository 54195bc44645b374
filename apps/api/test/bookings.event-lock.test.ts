import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMemoryLocks, type LockPort, LockUnavailableError } from '@evently/platform';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Allocator, createAllocator } from '../src/modules/bookings/allocator.js';
import { silentLog } from './capture-log.js';
import { eventInput } from './event-input.js';
import { startTestApp, type TestApp } from './harness.js';

// A booking of a quiet event must not pay for what only a hot event needs: its batch runs
// without the event's Redis lock (two round trips to Postgres, none to Redis). Once it loses a
// version race to another process, the event is contended and its batches take the lock for a
// while. The version check decides either way.

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

  /** Memory locks that count the holds taken per key. */
  function countingLocks(): LockPort & { holds: Map<string, number> } {
    const memory = createMemoryLocks();
    const holds = new Map<string, number>();
    return {
      holds,
      withLock: (key, options, fn) => {
        holds.set(key, (holds.get(key) ?? 0) + 1);
        return memory.withLock(key, options, fn);
      },
      close: () => memory.close(),
    };
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
      now: () => new Date(),
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

  /** Waiters on row locks in this database (the allocator's write, blocked by the test). */
  async function lockWaiters(): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db());
    return rows[0]?.n ?? 0;
  }

  /**
   * A booking whose first write loses its race: the test holds the inventory row while the
   * allocator reads and writes, moves the version on ("another process booked"), and lets go.
   */
  async function bookLosingARace(allocator: Allocator, eventId: string) {
    let booked: ReturnType<Allocator['book']> | undefined;
    await db()
      .transaction()
      .execute(async (trx) => {
        await sql`SELECT 1 FROM event_inventory WHERE event_id = ${eventId} FOR UPDATE`.execute(
          trx,
        );
        booked = book(allocator, eventId);
        // Handled here too: it may be refused before the caller awaits it.
        booked.catch(() => {});
        await vi.waitFor(async () => expect(await lockWaiters()).toBe(1), {
          timeout: 30_000,
          interval: 20,
        });
        await sql`UPDATE event_inventory SET version = version + 1 WHERE event_id = ${eventId}`.execute(
          trx,
        );
      });
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
    const row = await bookLosingARace(allocator, eventId);
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
    await bookLosingARace(allocator, eventId);
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
});
