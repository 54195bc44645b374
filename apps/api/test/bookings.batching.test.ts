import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAllocator } from '../src/modules/bookings/allocator.js';
import { silentLog } from './capture-log.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

// How the allocator forms its batches while another instance holds the event's lock: whatever
// queued up during the wait is served by the one transaction that follows, not left for a
// further lock cycle. Under a flash sale with two instances that halves the waits and doubles
// the batch (see the README's hot-event figures).
const HOUR = 3_600_000;

describe('allocator batching', () => {
  let app: TestApp;
  let userId: string;
  let organizerClient: SignedUp['client'];

  beforeAll(async () => {
    app = await startTestApp();
    const [organizer, user] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
    organizerClient = organizer.client;
    userId = (await user.client.auth.me.query()).id;
  });
  afterAll(async () => app?.close());

  async function freeEvent(): Promise<string> {
    const startsAt = Date.now() + 5 * 24 * HOUR;
    const event = await organizerClient.events.create.mutate({
      title: `Batching ${randomUUID().slice(0, 8)}`,
      venue: 'Hall',
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + 2 * HOUR).toISOString(),
      capacity: 100,
      priceCents: 0,
      currency: 'EUR',
      maxPerBooking: 1,
    });
    await organizerClient.events.publish.mutate({ id: event.id });
    return event.id;
  }

  it('requests that arrive while the lock is held elsewhere all ride the next batch', async () => {
    const eventId = await freeEvent();
    const allocator = createAllocator({
      db: app.db.handle.db,
      locks: app.platform.locks,
      holdMinutes: 15,
      log: silentLog,
      now: () => new Date(),
      onHolds: () => {},
      // As for a contended event: the batch waits for the event's lock.
      lockWhen: 'always',
    });

    // "The other instance" holds the event's lock until we let go.
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    let holding!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const holder = app.platform.locks.withLock(
      `event:${eventId}`,
      { ttlMs: 5_000, retryCount: 0, retryDelayMs: 10 },
      async () => {
        holding();
        await held;
      },
    );
    await lockTaken;

    const book = () =>
      allocator.book(eventId, {
        principal: { kind: 'user', userId, role: 'user', sessionId: randomUUID() },
        quantity: 1,
        idempotencyKey: undefined,
        requestHash: randomUUID(),
      });
    // The first request starts the event's drain, which now waits for the lock; the others
    // arrive later, each in a tick of its own, while it waits.
    const answers = [book()];
    for (let i = 0; i < 9; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answers.push(book());
    }
    letGo();
    await holder;
    const rows = await Promise.all(answers);

    expect(rows.map((r) => r.status)).toEqual(Array(10).fill('confirmed'));
    // One batch is one transaction with one `now`: every booking carries the same created_at.
    expect(new Set(rows.map((r) => r.created_at.getTime())).size).toBe(1);
    const inventory = await app.db.handle.db
      .selectFrom('event_inventory')
      .select('confirmed')
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();
    expect(inventory.confirmed).toBe(10);
  });
});
