import { randomUUID } from 'node:crypto';
import { createMemoryLocks, type LockPort } from '@evently/platform';
import { connectTestRedis } from '@evently/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAllocator, EVENT_LOCK_LEASE_MS } from '../src/modules/bookings/allocator.js';
import { useApiCluster } from './api-cluster.fixtures.js';
import { type ApiProcess, type Caller, clientOf } from './api-cluster.js';
import { silentLog } from './capture-log.js';
import { eventInput } from './event-input.js';
import { lockWaiters, withKeyPending } from './pending-key.js';

// The event lock is a short lease its holder renews: an instance that dies holding it blocks the
// event for the others only until the lease runs out, not for a long TTL. (A quiet event's
// batches take no lock at all; these tests make every batch take it, as a contended event's do.)
describe('event lock lease', () => {
  // The organizer's calls go through B: the first test kills A.
  const cast = useApiCluster({
    database: 'lock_lease',
    attendees: 3,
    logLevel: 'error',
    organizerVia: 1,
    env: { BOOKING_EVENT_LOCK: 'always' },
  });
  let redis: Awaited<ReturnType<typeof connectTestRedis>>;
  beforeAll(async () => {
    redis = await connectTestRedis();
  });
  afterAll(() => redis?.disconnect());

  const db = () => cast().db;

  async function paidEvent(): Promise<string> {
    const { organizer } = cast();
    const event = await organizer.events.create.mutate(
      eventInput({
        title: `Lease ${randomUUID().slice(0, 8)}`,
        capacity: 10,
        priceCents: 1_000,
        maxPerBooking: 2,
      }),
    );
    await organizer.events.publish.mutate({ id: event.id });
    return event.id;
  }

  it('a SIGKILLed holder blocks the event only until its short lease runs out', async () => {
    const { attendees, apis, prefix } = cast();
    const [alice, bob] = attendees as [Caller, Caller];
    const [a, b] = apis as [ApiProcess, ApiProcess];
    const eventId = await paidEvent();
    const lockKey = `${prefix}:lock:event:${eventId}`;
    let ttlAtDeath = 0;

    const key = `key-${randomUUID()}`;
    await withKeyPending(db(), alice.userId, key, async () => {
      // A takes the lock and stops in its write; its caller never gets an answer.
      void clientOf(a, alice)
        .bookings.create.mutate({ eventId, quantity: 1, idempotencyKey: key })
        .catch(() => {});
      await vi.waitFor(async () => expect(await lockWaiters(db())).toBe(1), {
        timeout: 30_000,
        interval: 20,
      });
      // A holds the event's lock (renewing it is the contract test's business).
      expect(await redis.pttl(lockKey)).toBeGreaterThan(0);
      a.proc.kill('SIGKILL');
      await a.proc.exited;
      // Nobody renews it any more: what is left of it is at most one lease (it was 5 s).
      ttlAtDeath = await redis.pttl(lockKey);
    });
    expect(ttlAtDeath).toBeLessThanOrEqual(EVENT_LOCK_LEASE_MS);

    // B gets the event's lock once the lease ran out: its caller is booked, not refused.
    const sent = Date.now();
    const booking = await clientOf(b, bob).bookings.create.mutate({ eventId, quantity: 1 });
    const waitedMs = Date.now() - sent;
    expect(booking.status).toBe('pending');
    // Generous for a loaded machine, yet below the old 5 s lock (B's ~4 s of retries ran out first).
    expect(waitedMs).toBeLessThan(4_000);
    console.info(`lock lease: ${ttlAtDeath} ms left at A's death; B booked after ${waitedMs} ms`);
  }, 120_000);

  it('a batch whose lease lapsed before it wrote waits for the lock again', async () => {
    const [, , carol] = cast().attendees as [Caller, Caller, Caller];
    const eventId = await paidEvent();
    const memory = createMemoryLocks();
    const signals: AbortSignal[] = [];
    let asks = 0;
    let secondAsked!: () => void;
    const askedAgain = new Promise<void>((resolve) => {
      secondAsked = resolve;
    });
    let letGo!: () => void;
    const committed = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    // Memory locks whose first hold comes with its lease already lapsed (as when its renewal
    // failed while the batch was in flight); the second hold waits until "the new holder"
    // (this test) has moved the inventory on.
    const locks: LockPort = {
      withLock: async (key, options, fn) => {
        const ask = asks++;
        if (ask === 1) {
          secondAsked();
          await committed;
        }
        return memory.withLock(key, options, (signal) => {
          const lapsed = new AbortController();
          lapsed.abort();
          const given = ask === 0 ? lapsed.signal : signal;
          signals.push(given);
          return fn(given);
        });
      },
      close: () => memory.close(),
    };
    const allocator = createAllocator({
      db: db(),
      locks,
      holdMinutes: 15,
      log: silentLog,
      now: () => new Date(),
      onHolds: () => {},
      lockWhen: 'always',
    });
    let booked: ReturnType<typeof allocator.book> | undefined;
    await db()
      .transaction()
      .execute(async (trx) => {
        // Another writer holds the row: the batch's write skips it and loses its race.
        await sql`SELECT 1 FROM event_inventory WHERE event_id = ${eventId} FOR UPDATE`.execute(
          trx,
        );
        booked = allocator.book(eventId, {
          principal: { kind: 'user', userId: carol.userId, role: 'user', sessionId: randomUUID() },
          quantity: 1,
          idempotencyKey: undefined,
          requestHash: randomUUID(),
        });
        booked.catch(() => {});
        await Promise.race([
          askedAgain,
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
    const row = await booked;
    expect(row?.status).toBe('pending');
    // The race lost under a lapsed lease went back for the lock (a second hold), which was kept,
    // instead of retrying under a lease someone else may hold by now.
    expect(signals).toHaveLength(2);
    expect(signals[1]?.aborted).toBe(false);
    await locks.close();
  });
});
