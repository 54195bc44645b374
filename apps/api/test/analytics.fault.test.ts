import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import {
  connectTestRedis,
  type RedisServer,
  type SmtpSink,
  startRedisServer,
  startSmtpSink,
} from '@evently/platform/testing';
import type { EventlyClient } from '@evently/sdk';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../src/bootstrap.js';
import { readApiEnv } from '../src/env.js';
import { expectFiguresMatchSourceTables } from './analytics.figures.js';
import { createBookingMix, createMixEvents, type MixEvent, seededRandom } from './booking-mix.js';
import { type HttpCallers, httpCallers } from './http-callers.js';
import { auditMails, type KillWindow } from './mail-ledger.js';
import { claimedAt, finishedDeliveries, forgetRelays, undelivered } from './outbox-delivery.js';
import { TEST_TICKET_SIGNING_KEY } from './ticket-key.js';
import { untilDrained } from './until-drained.js';
import { type WorkerProcess, workerProcess } from './worker-process.js';

// Issue 6's fault test: a random mix like the consistency test's (bookings, payments and overrides,
// cancellations and their refunds, expiries, waitlist joins and offers, event cancellations over
// many events) while the worker process (`pnpm start:worker`) is SIGKILLed again and again and
// restarted, and the Redis it uses is killed once and comes back empty — with, at that moment,
// every event already processed delivered a second time. Afterwards every analytics figure equals
// direct counts over the source tables, and every person got each mail the outbox calls for at the
// SMTP sink under exactly one Message-ID, the one its sent_emails row recorded when it was queued.
// The one repeat allowed is sent_emails' documented window: a mail SMTP accepted from a worker
// killed before its COMMIT, sent again by the next worker — as the same mail, with the same
// Message-ID, so receivers fold it (mail-ledger.ts; a copy from a worker that was not killed, one
// without a claim of its own, or one under another Message-ID fails).
//
// The API runs in this process (the real bootstrap, `startApi(env, 'api')`) because holds must
// lapse within the test: BOOKING_HOLD_MINUTES of `pnpm start:api` is at least a minute.
const OPERATIONS = 1_500;
const CONCURRENCY = 12;
/** Spreads the mix over the faults (about 25 s of kills and restarts). */
const PER_SECOND = 60;
const ORGANIZERS = 3;
const USERS = 14;
const EVENTS = 20;
const EVENT_CANCELLATIONS = 3;
const HOLD_MS = 1_500;
const PASSWORD = 'fault test password 0123';
const SEED = Number(process.env.ANALYTICS_SEED ?? Date.now() % 1_000_000);
/** Redis dies once this share of the operations is done. */
const REDIS_FAULT_AT = 0.1;
const WORKER_KILLS = 4;
/** How long each worker runs (and works) before it is killed, at random in this range. */
const WORKER_LIFE_MS = [1_000, 2_500] as const;
/** How long the mix goes on after the last restart: the last worker works under load too. */
const AFTER_FAULTS_MS = 2_000;
/**
 * Settling fails once nothing has moved for this long: a delivery the dead Redis took is enqueued
 * again by the reconciler 60 s after its relay (checking every 15 s).
 */
const STALL_MS = 120_000;

interface Person {
  userId: string;
  client: EventlyClient;
}

describe('analytics and mails while the worker and Redis die', () => {
  const rand = seededRandom(SEED);
  let database: TestDatabase;
  let redis: RedisServer;
  let smtp: SmtpSink;
  let worker: WorkerProcess | undefined;
  let workerFirstStartedAt = 0;
  let api: RunningApi | undefined;
  let admin: Person;
  let organizers: Person[] = [];
  const users: Person[] = [];
  const events: MixEvent[] = [];
  const prefix = `t:${randomUUID()}`;
  const adminEmail = `admin-${randomUUID()}@example.com`;
  const db = () => database.handle.db;

  let people: HttpCallers;
  const url = () => api?.url ?? '';

  async function signIn(email: string): Promise<Person> {
    const caller = await people.login(url(), email);
    return { userId: caller.userId, client: people.as(url(), caller) };
  }

  /** Signed up over HTTP (register, the code at the SMTP sink, verify), promoted when asked. */
  async function signUp(role?: 'organizer'): Promise<Person> {
    const { email, caller } = await people.signUp(url(), role ?? 'user');
    if (!role) return { userId: caller.userId, client: people.as(url(), caller) };
    await admin.client.auth.users.setRole.mutate({ userId: caller.userId, role });
    return signIn(email);
  }

  beforeAll(async () => {
    database = await createTestDatabase('analytics_fault');
    redis = await startRedisServer();
    smtp = await startSmtpSink();
    people = httpCallers({ smtp, password: PASSWORD, network: '10.9' });
    const shared = {
      NODE_ENV: 'production',
      TICKET_SIGNING_KEY: TEST_TICKET_SIGNING_KEY,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      SMTP_URL: smtp.url,
      WAITLIST_OFFER_MINUTES: '60',
    };
    worker = workerProcess({ ...shared, LOG_LEVEL: 'info' });
    workerFirstStartedAt = Date.now();
    await worker.start();
    const env = readApiEnv({
      ...shared,
      PORT: '0',
      JWT_SECRET: 'analytics-fault-test-secret-long-enough-0123456789',
      TRUST_PROXY: '127.0.0.1',
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: PASSWORD,
    });
    api = await startApi(
      { ...env, BOOKING_HOLD_MINUTES: HOLD_MS / 60_000 },
      'api',
      pino({ level: 'error' }),
    );
    admin = await signIn(adminEmail);
    organizers = await Promise.all(Array.from({ length: ORGANIZERS }, () => signUp('organizer')));
    for (let i = 0; i < USERS; i += 4) {
      users.push(
        ...(await Promise.all(Array.from({ length: Math.min(4, USERS - i) }, () => signUp()))),
      );
    }
    events.push(
      ...(await createMixEvents(
        organizers.map((o) => o.client),
        EVENTS,
        rand,
      )),
    );
  }, 120_000);

  afterAll(async () => {
    // Every process this file started ends here, whatever happened: the worker's whole group.
    await worker?.kill();
    await api?.stop();
    await redis?.kill();
    await smtp?.close();
    await database?.drop();
  });

  it(`analytics equal the SQL counts and each mail arrives once after ${OPERATIONS}+ operations under faults (seed ${SEED})`, async () => {
    const started = Date.now();
    const mix = createBookingMix({
      seed: SEED,
      operations: OPERATIONS,
      concurrency: CONCURRENCY,
      users: users.map((u) => u.client),
      events,
      eventCancellations: EVENT_CANCELLATIONS,
      perSecond: PER_SECOND,
    });
    const kills: KillWindow[] = [];
    /** Each killed worker's life: its relay's claims in it may have been cut before the enqueue. */
    const killedLives: Array<{ from: number; to: number }> = [];
    let workerStartedAt = workerFirstStartedAt;
    const log: string[] = [];
    let redelivered: Array<{ consumer: string; eventId: string }> = [];
    const stamp = (what: string) =>
      log.push(`${what} at op ${mix.done} (+${((Date.now() - started) / 1000).toFixed(1)} s)`);

    async function killWorker(): Promise<void> {
      await worker?.kill();
      // Its life: the mails over SMTP connections it opened meanwhile are its sends.
      const life = { from: workerStartedAt, to: Date.now() };
      killedLives.push(life);
      kills.push(life);
      stamp('worker killed');
      // Down for a moment before the next one starts.
      await sleep(200 + rand() * 800);
      workerStartedAt = Date.now();
      await worker?.start();
    }

    /** Operations the callers completed while Redis was away. */
    let opsDuringOutage = 0;
    async function killRedis(): Promise<void> {
      await redis.kill();
      stamp('redis killed');
      const doneAtKill = mix.done;
      await sleep(1_000 + rand() * 1_000);
      opsDuringOutage = mix.done - doneAtKill;
      await redis.restart();
      // Back empty: every job, delayed expiry and schedule is gone. On top of that every event
      // already processed is delivered again, as if no relay commit had ever landed.
      redelivered = await forgetRelays(db());
      stamp(`redis back empty (${redelivered.length} deliveries repeated)`);
    }

    // Redis first (so the repeated deliveries are many and early), then the worker again and
    // again, each killed while it works; the mix goes on until the last worker has worked a while.
    let faultsDone = false;
    const faults = (async () => {
      const due = Math.round((REDIS_FAULT_AT + (rand() - 0.5) * 0.04) * OPERATIONS);
      while (mix.done < due) await sleep(20);
      await killRedis();
      for (let i = 0; i < WORKER_KILLS; i++) {
        await sleep(WORKER_LIFE_MS[0] + rand() * (WORKER_LIFE_MS[1] - WORKER_LIFE_MS[0]));
        await killWorker();
      }
      await sleep(AFTER_FAULTS_MS);
      faultsDone = true;
    })();
    await Promise.all([mix.run(() => !faultsDone), faults]);
    stamp('mix done');

    // Everything settles: direct holds lapse (their delayed jobs, or the sweeper for those Redis
    // lost), every committed event reaches every consumer (the relay, BullMQ's stalled-job
    // recovery, the reconciler) and every queued mail is sent.
    const inspect = await connectTestRedis('command', redis.url);
    try {
      await untilDrained(
        async () => {
          const { rows } = await sql<{ holds: string; mails: string }>`
            SELECT
              (SELECT count(*) FROM bookings
                WHERE status = 'pending' AND waitlist_entry_id IS NULL) AS holds,
              (SELECT count(*) FROM sent_emails WHERE status <> 'sent') AS mails`.execute(db());
          // No consumer job still waiting, running or stalled: nothing left to deliver again.
          const queued = await inspect.eval(
            `local n = 0
             for _, q in ipairs(ARGV) do
               n = n + redis.call('LLEN', q .. ':wait') + redis.call('LLEN', q .. ':active')
                 + redis.call('SCARD', q .. ':stalled') + redis.call('ZCARD', q .. ':delayed')
                 + redis.call('ZCARD', q .. ':prioritized')
             end
             return n`,
            0,
            ...['mail', 'analytics', 'bookings'].map((c) => `${prefix}:bull:consumer.${c}`),
          );
          return {
            holds: Number(rows[0]?.holds),
            mails: Number(rows[0]?.mails),
            undelivered: await undelivered(db()),
            queued: Number(queued),
          };
        },
        {
          left: (state) => state.holds + state.mails + state.undelivered + state.queued,
          stallMs: STALL_MS,
          abort: () => {
            if (worker?.exit === undefined) return;
            throw new Error(
              `the worker exited (${worker.exit}):\n${worker.output().slice(-5_000)}`,
            );
          },
        },
      ).catch((error: unknown) => {
        throw new Error(`${String(error)} (${log.join('; ')})\n${worker?.output().slice(-5_000)}`);
      });
      stamp('settled');

      // Every repeated delivery was taken and finished by a worker (in the Redis that came back
      // empty, so none of them was dropped as a known job id) — in a job of its own or, for the
      // group-commit consumers, in a batch job of its relay pass.
      const finished = new Map<string, Set<string>>();
      for (const consumer of new Set(redelivered.map((d) => d.consumer))) {
        finished.set(consumer, await finishedDeliveries(inspect, prefix, consumer));
      }
      const notRun = redelivered.filter((d) => !finished.get(d.consumer)?.has(d.eventId));
      // The one way a repeat may not run: a worker SIGKILLed between its relay's claim and its
      // enqueue. Its rows stay claimed (relayed_at, the lease) and, already processed by every
      // consumer, the reconciler marks them delivered once its deadline passes, enqueueing
      // nothing. Any other repeat that did not run — claimed by a worker that lived on — fails.
      const cut = await claimedAt(
        db(),
        notRun.map((d) => d.eventId),
      );
      const unexplained = notRun.filter((d) => {
        const at = cut.get(d.eventId);
        return at === undefined || !killedLives.some((l) => at >= l.from && at <= l.to);
      });
      expect(
        unexplained,
        `claims: ${JSON.stringify([...cut])}; lives: ${JSON.stringify(killedLives)}`,
      ).toEqual([]);
      stamp(`${redelivered.length - notRun.length} repeats ran, ${notRun.length} cut by a kill`);
    } finally {
      inspect.disconnect();
    }
    expect(redelivered.length).toBeGreaterThan(0);
    // The faults struck: workers started again after each kill, and callers went on calling while
    // Redis was away (some may be refused SERVICE_UNAVAILABLE and retry: a contended event's
    // lock; quiet events' bookings and session checks go on without Redis).
    expect(worker?.starts).toBe(1 + WORKER_KILLS);
    expect(opsDuringOutage).toBeGreaterThan(0);

    // Every analytics figure equals the counts over the source tables, to the cent.
    const truths = await expectFiguresMatchSourceTables(db(), admin.client, organizers);
    // The mix reached every path the projection has.
    const sum = (key: 'confirmed' | 'cancelled' | 'expired' | 'offered' | 'converted') =>
      truths.reduce((total, t) => total + t[key], 0);
    expect(sum('confirmed')).toBeGreaterThan(50);
    expect(sum('cancelled')).toBeGreaterThan(20);
    expect(sum('expired')).toBeGreaterThan(10);
    expect(sum('offered')).toBeGreaterThan(3);
    expect(truths.filter((t) => t.status === 'cancelled')).toHaveLength(EVENT_CANCELLATIONS);
    expect(truths.reduce((total, t) => total + t.refunded, 0)).toBeGreaterThan(0);

    // Each person got each mail the outbox calls for at the SMTP sink under one Message-ID: once,
    // or again with the same Message-ID when SMTP took it from a worker being killed.
    const mails = await auditMails(db(), smtp.messages, kills);
    expect(mails.problems, `${log.join('; ')}; kills at ${JSON.stringify(kills)}`).toEqual([]);
    expect(mails.expected).toBeGreaterThan(200);

    const reconciled = (worker?.output().match(/enqueued again/g) ?? []).length;
    console.info(
      `analytics fault test (seed ${SEED}): ${log.join('; ')}; ` +
        `${mails.expected} mails expected, ${mails.received} received ` +
        `(${mails.repeatsAtKills} sent again after a kill between SMTP and COMMIT); ` +
        `${opsDuringOutage} operations during the Redis outage, ${mix.retries} SERVICE_UNAVAILABLE retried; ` +
        `${reconciled} late deliveries the reconciler enqueued again; outcomes`,
      Object.fromEntries([...mix.outcomes.entries()].sort()),
    );
  }, 600_000);
});
