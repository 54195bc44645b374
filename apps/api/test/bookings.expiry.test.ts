import { randomUUID } from 'node:crypto';
import type { Booking } from '@evently/contracts';
import { connectTestRedis } from '@evently/platform/testing';
import { TRPCClientError } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOKING_JOBS_QUEUE, EXPIRE_JOB } from '../src/modules/bookings/hold-expiry.js';
import { expectAppCode } from './app-error.js';
import { captureLog } from './capture-log.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { payFor } from './payments.js';

const HOUR = 3_600_000;
const HOLD_MS = 3_000;
const SWEEP_EVERY_MS = 15_000;
/** How far ahead of a hold's expiresAt the early-job test fires its job. */
const EARLY_BY_MS = 8_000;

// Holds that expire: an app whose holds and offers live 3 s (BOOKING_HOLD_MINUTES=0.05), with
// the worker (exact delayed jobs and the 15 s sweeper) running against real Redis and Postgres.
describe('hold expiry', () => {
  const captured = captureLog();
  let app: TestApp;
  let organizer: SignedUp;
  let alice: SignedUp;
  let redis: Awaited<ReturnType<typeof connectTestRedis>>;

  beforeAll(async () => {
    redis = await connectTestRedis();
    app = await startTestApp({
      log: captured.log,
      bookings: { holdMinutes: HOLD_MS / 60_000, offerMinutes: HOLD_MS / 60_000 },
    });
    [organizer, alice] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
  });
  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
  });

  async function paidEvent(capacity = 20) {
    const startsAt = new Date(Date.now() + 10 * 24 * HOUR);
    const event = await organizer.client.events.create.mutate({
      title: `Expiry ${randomUUID().slice(0, 6)}`,
      venue: 'Hall',
      description: '',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 2 * HOUR).toISOString(),
      capacity,
      priceCents: 1000,
      currency: 'EUR',
      maxPerBooking: 4,
    });
    return organizer.client.events.publish.mutate({ id: event.id });
  }

  const db = () => app.db.handle.db;
  const inventory = (eventId: string) =>
    db()
      .selectFrom('event_inventory')
      .select(['confirmed', 'held', 'version'])
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();
  const bookingRow = (id: string) =>
    db().selectFrom('bookings').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /** Audit and outbox rows of one booking's expiry: each must exist exactly once. */
  async function expiryRecords(bookingId: string) {
    const [audits, events] = await Promise.all([
      db()
        .selectFrom('audit_log')
        .select('id')
        .where('entity', '=', 'booking')
        .where('entity_id', '=', bookingId)
        .where('action', '=', 'expire')
        .execute(),
      db()
        .selectFrom('outbox')
        .select('id')
        .where('topic', '=', 'booking.expired')
        .where('aggregate_id', '=', bookingId)
        .execute(),
    ]);
    return { audits: audits.length, events: events.length };
  }

  // BullMQ's keys for the hold's delayed job (the platform gives BullMQ `<prefix>:bull`).
  const queueKey = (suffix: string) => `${app.redisPrefix}:bull:${BOOKING_JOBS_QUEUE}:${suffix}`;
  const jobIdOf = (bookingId: string) => `expire.${bookingId}`;

  /**
   * Simulates Redis losing a hold's delayed job (as a Redis restarted without persistence
   * would): once the API has scheduled it, the job's hash and its entry in the queue's delayed
   * set are deleted, which is what BullMQ's own removal deletes. Nothing else is touched: the
   * hold stays pending in Postgres and only the sweeper can find it.
   */
  async function loseExpiryJob(bookingId: string): Promise<void> {
    const jobId = jobIdOf(bookingId);
    // The API schedules the job after answering: wait until it is there.
    await expect
      .poll(() => redis.zscore(queueKey('delayed'), jobId), { timeout: 15_000, interval: 20 })
      .not.toBeNull();
    await redis.zrem(queueKey('delayed'), jobId);
    await redis.del(queueKey(jobId));
    expect(await redis.exists(queueKey(jobId))).toBe(0);
    expect(await redis.zscore(queueKey('delayed'), jobId)).toBeNull();
  }

  /** Polls the booking every 50 ms over HTTP; returns when it was first seen expired. */
  async function seenExpiredAt(booking: Booking, timeout: number): Promise<number> {
    await expect
      .poll(async () => (await alice.client.bookings.get.query({ bookingId: booking.id })).status, {
        timeout,
        interval: 50,
      })
      .toBe('expired');
    return Date.now();
  }

  /**
   * When the worker took the job `jobId` up (BullMQ stamps processedOn with the worker's clock,
   * the one the expiry reads too), once the job has finished without failing.
   */
  async function jobRanAt(jobId: string): Promise<number> {
    await expect
      .poll(() => redis.hget(queueKey(jobId), 'finishedOn'), { timeout: 30_000, interval: 50 })
      .not.toBeNull();
    expect(await redis.hget(queueKey(jobId), 'failedReason')).toBeNull();
    return Number(await redis.hget(queueKey(jobId), 'processedOn'));
  }

  /**
   * The delayed job fires at expiresAt: not before, and not a sweep interval later. The bound is
   * generous for a loaded machine (BullMQ promotes delayed jobs within milliseconds when idle);
   * the sweeper alone would be up to 15 s late, and a job scheduled without its delay runs early.
   */
  const FIRING_SLACK_MS = 5_000;

  const sweptLines = () =>
    captured.lines().filter((line) => line.msg === 'expired holds swept') as { expired: number }[];

  it('expires holds through the delayed job, which fires at expiresAt', async () => {
    const event = await paidEvent();
    const holds: Booking[] = [];
    for (let i = 0; i < 5; i++) {
      holds.push(await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 1 }));
    }
    expect((await inventory(event.id)).held).toBe(5);

    await Promise.all(
      holds.map(async (hold) => {
        const expiresAt = new Date(hold.expiresAt ?? 0).getTime();
        expect(expiresAt - new Date(hold.createdAt).getTime()).toBeGreaterThanOrEqual(HOLD_MS - 5);
        // The hold's own job ran at its time (whoever of job and sweeper then wrote first).
        const firedAt = await jobRanAt(jobIdOf(hold.id));
        expect(firedAt).toBeGreaterThanOrEqual(expiresAt);
        expect(firedAt - expiresAt).toBeLessThan(FIRING_SLACK_MS);
        await seenExpiredAt(hold, 10_000);
      }),
    );
    for (const hold of holds) {
      const row = await bookingRow(hold.id);
      // Never early: the row changed at or after its expiresAt.
      expect(row.updated_at.getTime()).toBeGreaterThanOrEqual(
        new Date(hold.expiresAt ?? 0).getTime(),
      );
      expect(await expiryRecords(hold.id)).toEqual({ audits: 1, events: 1 });
    }
    expect(await inventory(event.id)).toMatchObject({ held: 0, confirmed: 0 });
  });

  it('re-schedules an expiry job that runs before expiresAt (clock skew) and expires the hold on time', async () => {
    const event = await paidEvent();
    const hold = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 2 });
    await loseExpiryJob(hold.id);
    // Seconds of room for the early job to run before the hold is due, however busy the machine.
    const expiresAt = Date.now() + EARLY_BY_MS;
    await db()
      .updateTable('bookings')
      .set({ expires_at: new Date(expiresAt) })
      .where('id', '=', hold.id)
      .execute();

    // The hold's job, delivered early (as when the API that scheduled it runs ahead of the
    // worker's clock), runs in the worker at once, finds the hold not due, and schedules again.
    // (Under an id of its own: the worker's arming pass may put the hold's job back meanwhile.)
    await app.platform.queue.add(BOOKING_JOBS_QUEUE, {
      name: EXPIRE_JOB,
      data: { bookingId: hold.id },
      options: { jobId: `skewed.${hold.id}` },
    });
    expect(await jobRanAt(`skewed.${hold.id}`)).toBeLessThan(expiresAt);

    // It did not give up on the hold: its next job fired at expiresAt (not a sweep later) and
    // the hold expired, never before its time.
    const firedAt = await jobRanAt(`${jobIdOf(hold.id)}.early.1`);
    expect(firedAt).toBeGreaterThanOrEqual(expiresAt);
    expect(firedAt - expiresAt).toBeLessThan(FIRING_SLACK_MS);
    await seenExpiredAt(hold, 10_000);
    expect((await bookingRow(hold.id)).updated_at.getTime()).toBeGreaterThanOrEqual(expiresAt);
    expect(await expiryRecords(hold.id)).toEqual({ audits: 1, events: 1 });
    expect(await inventory(event.id)).toMatchObject({ held: 0, confirmed: 0 });
  });

  it('expires holds whose delayed job was lost, through the arming pass or the sweeper', async () => {
    const event = await paidEvent();
    const holds: Booking[] = [];
    for (let i = 0; i < 3; i++) {
      holds.push(await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 2 }));
    }
    for (const hold of holds) await loseExpiryJob(hold.id);
    const swept = sweptLines().length;

    const lags = await Promise.all(
      holds.map(async (hold) => {
        const expiresAt = new Date(hold.expiresAt ?? 0).getTime();
        return (await seenExpiredAt(hold, HOLD_MS + SWEEP_EVERY_MS + 15_000)) - expiresAt;
      }),
    );
    // Late by up to one pass of either (and generous room for a busy machine): the safety nets.
    for (const lag of lags) expect(lag).toBeLessThan(SWEEP_EVERY_MS + 10_000);
    // The worker's arming pass (every 15 s) puts a lost job back; a hold it did not reach in
    // time was the sweeper's.
    let notRearmed = 0;
    for (const hold of holds) if (!(await redis.exists(queueKey(jobIdOf(hold.id))))) notRearmed++;
    expect(
      sweptLines()
        .slice(swept)
        .reduce((n, line) => n + line.expired, 0),
    ).toBeGreaterThanOrEqual(notRearmed);
    expect(await inventory(event.id)).toMatchObject({ held: 0, confirmed: 0 });
    for (const hold of holds)
      expect(await expiryRecords(hold.id)).toEqual({ audits: 1, events: 1 });
  });

  it('changes nothing when expiry runs again, at once or later, by job or sweeper', async () => {
    const event = await paidEvent();
    const hold = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 3 });
    await loseExpiryJob(hold.id);
    // The job is gone, so nothing expires it before we do; wait until it is due.
    const expiresAt = new Date(hold.expiresAt ?? 0).getTime();
    await expect.poll(() => Date.now(), { timeout: HOLD_MS + 1_000 }).toBeGreaterThan(expiresAt);

    const { bookings } = app.services;
    const outcomes = await Promise.all([
      bookings.expireHold(hold.id),
      bookings.expireHold(hold.id),
      bookings.expireHold(hold.id),
      bookings.sweepExpiredHolds(),
      bookings.sweepExpiredHolds(),
    ]);
    const expiredHere = outcomes.reduce<number>((n, o) => n + Number(o), 0);
    // Exactly one of them did it — unless the worker's sweeper got there first (then none).
    expect(expiredHere).toBeLessThanOrEqual(1);
    expect((await bookingRow(hold.id)).status).toBe('expired');
    const after = await inventory(event.id);
    expect(after).toMatchObject({ held: 0, confirmed: 0 });
    expect(await expiryRecords(hold.id)).toEqual({ audits: 1, events: 1 });
    const row = await bookingRow(hold.id);

    // Later: the service again, and a (re)delivered expiry job through the worker's queue.
    expect(await bookings.expireHold(hold.id)).toBe(false);
    const replayId = `replay.${hold.id}`;
    await app.platform.queue.add(BOOKING_JOBS_QUEUE, {
      name: EXPIRE_JOB,
      data: { bookingId: hold.id },
      options: { jobId: replayId },
    });
    // BullMQ stamps finishedOn on the job's hash when the worker is done with it.
    await expect
      .poll(() => redis.hget(queueKey(replayId), 'finishedOn'), { timeout: 10_000, interval: 50 })
      .not.toBeNull();
    expect(await redis.hget(queueKey(replayId), 'failedReason')).toBeNull();
    expect(await bookingRow(hold.id)).toEqual(row);
    expect(await inventory(event.id)).toEqual(after);
    expect(await expiryRecords(hold.id)).toEqual({ audits: 1, events: 1 });
  });

  it('lets a confirm racing the expiry either win or fail BOOKING_EXPIRED, never both', async () => {
    const event = await paidEvent();
    const outcomes: string[] = [];
    for (let round = 0; round < 3; round++) {
      const hold = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
      const expiresAt = new Date(hold.expiresAt ?? 0).getTime();
      // Confirm right around expiresAt, while the delayed job fires: the organizer's (the paid
      // hold's one confirmation without a payment, the override), through the same transition.
      await expect
        .poll(() => Date.now(), { timeout: HOLD_MS + 1_000, interval: 5 })
        .toBeGreaterThan(expiresAt - 20 + round * 20);
      const confirmed = await organizer.client.bookings.confirm.mutate({ bookingId: hold.id }).then(
        (b) => b.status,
        (error: unknown) =>
          error instanceof TRPCClientError ? String(error.data?.appCode) : String(error),
      );
      expect(['confirmed', 'BOOKING_EXPIRED']).toContain(confirmed);
      outcomes.push(confirmed);
      // Whoever lost, the delayed job has run by now or soon: wait for it, then look.
      await expect
        .poll(() => redis.hget(queueKey(jobIdOf(hold.id)), 'finishedOn'), {
          timeout: 30_000,
          interval: 20,
        })
        .not.toBeNull();
      expect((await bookingRow(hold.id)).status).toBe(
        confirmed === 'confirmed' ? 'confirmed' : 'expired',
      );
      const records = await expiryRecords(hold.id);
      expect(records).toEqual(
        confirmed === 'confirmed' ? { audits: 0, events: 0 } : { audits: 1, events: 1 },
      );
      if (confirmed !== 'confirmed') {
        for (const caller of [organizer, alice]) {
          await expectAppCode(
            caller.client.bookings.confirm.mutate({ bookingId: hold.id }),
            'BOOKING_EXPIRED',
          );
        }
      }
    }
    const confirmedCount = outcomes.filter((o) => o === 'confirmed').length;
    expect(await inventory(event.id)).toMatchObject({ held: 0, confirmed: confirmedCount });
  });

  it('lets a payment racing the expiry confirm the hold, or sell its seats again once expired', async () => {
    const event = await paidEvent();
    for (let round = 0; round < 3; round++) {
      const hold = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
      const expiresAt = new Date(hold.expiresAt ?? 0).getTime();
      await expect
        .poll(() => Date.now(), { timeout: HOLD_MS + 1_000, interval: 5 })
        .toBeGreaterThan(expiresAt - 20 + round * 20);
      // Money is never kept for a seat not sold: with seats left, the payment always sells.
      expect((await payFor(organizer.client, hold)).status).toBe('confirmed');
      await expect
        .poll(() => redis.hget(queueKey(jobIdOf(hold.id)), 'finishedOn'), {
          timeout: 30_000,
          interval: 20,
        })
        .not.toBeNull();
      expect((await bookingRow(hold.id)).status).toBe('confirmed');
      // Paid in time, or expired (once) and then sold again by the late payment.
      const { items } = await organizer.client.bookings.audit.query({ bookingId: hold.id });
      const actions = items.map((a) => a.action).reverse();
      expect([
        ['create', 'confirm-paid'],
        ['create', 'expire', 'confirm-late-payment'],
      ]).toContainEqual(actions);
      expect(await expiryRecords(hold.id)).toEqual(
        actions.includes('expire') ? { audits: 1, events: 1 } : { audits: 0, events: 0 },
      );
    }
    expect(await inventory(event.id)).toMatchObject({ held: 0, confirmed: 3 });
  });
});
