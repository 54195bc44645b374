import { randomUUID } from 'node:crypto';
import {
  createMemoryLocks,
  createMemoryQueue,
  type JobToAdd,
  type QueuePort,
} from '@evently/platform';
import { connectTestRedis } from '@evently/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBookingsService } from '../src/modules/bookings/bookings.service.js';
import {
  ARM_EXPIRIES_JOB,
  ARM_HORIZON_MS,
  armHoldExpiries,
  BOOKING_JOBS_QUEUE,
  EXPIRE_JOB,
  expireHoldJob,
} from '../src/modules/bookings/hold-expiry.js';
import { createRefundLedger } from '../src/modules/payments/refund-ledger.js';
import { silentLog } from './capture-log.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { memberRolesFor } from './member-roles.js';

// A hold is committed, then its instance dies before it schedules the hold's exact expiry job
// (simulated by a queue that refuses every add, as a dead process adds nothing). The worker's
// arming pass, which reads pending holds from Postgres, must give the hold its exact job before
// it is due — the sweeper alone would expire it up to 15 s late.
const HOUR = 3_600_000;
const MINUTE = 60_000;

/** A memory queue that notes what is added, and refuses every add while `dead`. */
function recordingQueue() {
  const inner = createMemoryQueue();
  const added: Array<JobToAdd<unknown> & { queue: string }> = [];
  let dead = false;
  const refuse = async () => {
    if (dead) throw new Error('this instance is dead');
  };
  const queue: QueuePort = {
    ...inner,
    async add(name, job) {
      await refuse();
      added.push({ ...job, queue: name });
      return inner.add(name, job);
    },
    async addBulk(name, jobs) {
      await refuse();
      added.push(...jobs.map((job) => ({ ...job, queue: name })));
      return inner.addBulk(name, jobs);
    },
  };
  return {
    queue,
    added,
    die: () => {
      dead = true;
    },
    revive: () => {
      dead = false;
    },
    close: () => inner.close(),
  };
}

describe('hold expiry armed again by the worker', () => {
  let app: TestApp;
  let organizer: SignedUp;
  let userId: string;
  let redis: Awaited<ReturnType<typeof connectTestRedis>>;

  beforeAll(async () => {
    redis = await connectTestRedis();
    app = await startTestApp();
    organizer = await app.signUp({ role: 'organizer' });
    const user = await app.signUp();
    userId = (await user.client.auth.me.query()).id;
  });
  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
  });

  const db = () => app.db.handle.db;

  async function paidEvent(): Promise<string> {
    const startsAt = Date.now() + 10 * 24 * HOUR;
    const event = await organizer.client.events.create.mutate({
      title: `Arming ${randomUUID().slice(0, 6)}`,
      venue: 'Hall',
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + 2 * HOUR).toISOString(),
      capacity: 20,
      priceCents: 1000,
      currency: 'EUR',
      maxPerBooking: 4,
    });
    await organizer.client.events.publish.mutate({ id: event.id });
    return event.id;
  }

  /** An instance that books and then dies before scheduling anything. */
  function dyingInstance(now: () => Date, holdMinutes: number) {
    const recording = recordingQueue();
    recording.die();
    const bookings = createBookingsService({
      db: db(),
      locks: createMemoryLocks(),
      queue: recording.queue,
      log: silentLog,
      holdMinutes,
      offerMinutes: 30,
      roles: memberRolesFor(db()),
      refunds: createRefundLedger({ stripeEnabled: false }),
      now,
    });
    const principal = {
      kind: 'user' as const,
      userId,
      role: 'user' as const,
      sessionId: randomUUID(),
    };
    return { bookings, recording, principal };
  }

  it('gives the hold its exact job before it is due, and it expires at expiresAt to the ms', async () => {
    let clock = Date.now();
    const now = () => new Date(clock);
    const eventId = await paidEvent();
    const instance = dyingInstance(now, 15);
    const hold = await instance.bookings.create(instance.principal, { eventId, quantity: 2 });
    const expiresAt = new Date(hold.expiresAt ?? 0).getTime();
    expect(expiresAt).toBe(clock + 15 * MINUTE);
    expect(instance.recording.added).toEqual([]);

    // The worker's clock and queue (alive).
    const worker = recordingQueue();
    const arm = () => armHoldExpiries({ db: db(), queue: worker.queue, now });
    // Too far ahead for this pass: nothing armed yet.
    clock = expiresAt - ARM_HORIZON_MS - 1;
    await arm();
    expect(worker.added).toEqual([]);

    // Within the horizon: the exact job, under the id the API would have used.
    clock = expiresAt - 40_000;
    await arm();
    expect(worker.added).toEqual([
      {
        queue: BOOKING_JOBS_QUEUE,
        name: EXPIRE_JOB,
        data: { bookingId: hold.id },
        options: { jobId: `expire.${hold.id}`, delayMs: 40_000 },
      },
    ]);
    // The next pass adds it again under the same id: the queue keeps one job.
    clock += 15_000;
    await arm();
    expect(new Set(worker.added.map((j) => j.options?.jobId))).toEqual(
      new Set([`expire.${hold.id}`]),
    );

    // The job runs when its delay is over: at expiresAt the hold expires, a ms before it not.
    const expire = expireHoldJob({
      expireHoldIfDue: instance.bookings.expireHoldIfDue,
      queue: worker.queue,
      log: silentLog,
      now,
    });
    const job = {
      id: `expire.${hold.id}`,
      name: EXPIRE_JOB,
      data: { bookingId: hold.id },
      attempt: 1,
    };
    clock = expiresAt - 1;
    await expire.handler(job);
    expect((await instance.bookings.get(instance.principal, hold.id)).status).toBe('pending');
    clock = expiresAt;
    await expire.handler(job);
    const row = await db()
      .selectFrom('bookings')
      .select(['status', 'updated_at'])
      .where('id', '=', hold.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'expired', updated_at: new Date(expiresAt) });
    await instance.recording.close();
    await worker.close();
  });

  it('the worker runs the arming pass: a dead instance’s hold gets its delayed job in Redis', async () => {
    const eventId = await paidEvent();
    // Half a minute: within the horizon as soon as it is made.
    const instance = dyingInstance(() => new Date(), 0.5);
    const hold = await instance.bookings.create(instance.principal, { eventId, quantity: 1 });
    const jobKey = `${app.redisPrefix}:bull:${BOOKING_JOBS_QUEUE}:expire.${hold.id}`;
    expect(await redis.exists(jobKey)).toBe(0);

    // The pass the worker runs every 15 s, run now (the app's worker takes the job).
    await app.platform.queue.add(BOOKING_JOBS_QUEUE, { name: ARM_EXPIRIES_JOB, data: {} });
    await expect.poll(() => redis.exists(jobKey), { timeout: 15_000, interval: 50 }).toBe(1);
    const job = await redis.hgetall(jobKey);
    expect(job.name).toBe(EXPIRE_JOB);
    expect(JSON.parse(job.data ?? '{}')).toEqual({ bookingId: hold.id });
    // Delayed until expiresAt by the worker's clock: timestamp + delay is expiresAt, plus the
    // moments between the pass reading its clock and the job's add (the sweeper alone would be
    // up to 15 s late).
    const due = Number(job.timestamp) + Number(job.delay);
    const expiresAt = new Date(hold.expiresAt ?? 0).getTime();
    expect(due).toBeGreaterThanOrEqual(expiresAt);
    expect(due - expiresAt).toBeLessThan(2_000);
    await instance.recording.close();
  });
});
