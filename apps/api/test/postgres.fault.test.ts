import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDb, type DbHandle, migrateToLatest } from '@evently/db';
import { type PostgresCluster, startPostgresCluster } from '@evently/db/testing/postgres-cluster';
import {
  type RedisServer,
  type SmtpSink,
  startRedisServer,
  startSmtpSink,
} from '@evently/platform/testing';
import type { EventlyClient } from '@evently/sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFiguresMatchSourceTables } from './analytics.figures.js';
import { type ApiCluster, type ApiProcess, clientOf, startApiCluster } from './api-cluster.js';
import { eventInput } from './event-input.js';
import {
  type Buyer,
  createFlashSale,
  isRetryable,
  phantomProblems,
  type SaleEvent,
} from './flash-sale.js';
import { type HttpCallers, httpCallers } from './http-callers.js';
import { auditMails } from './mail-ledger.js';
import { undelivered } from './outbox-delivery.js';
import { untilDrained } from './until-drained.js';
import { type WorkerProcess, workerProcess } from './worker-process.js';

// Issue 12's Postgres fault test (its own CI step: `pnpm vitest run apps/api/test/postgres.fault.test.ts`).
// A Postgres cluster of its own (initdb + pg_ctl, never the shared server) under the production
// layout — two `pnpm start:api` processes and a `pnpm start:worker` — while a flash sale runs:
// Postgres is restarted mid-sale (every connection terminated, 57P01), then stopped for 20 s and
// started again. Nothing is restarted by hand. No process may exit; /health/ready answers 503
// meanwhile and 200 again by itself; callers get a booking, a refusal, or an answer they may
// retry (SERVICE_UNAVAILABLE, or none) — and an idempotent retry under the same key finds what
// the first try made. Afterwards: no oversell, no phantom success, every outbox event delivered
// to every consumer, analytics equal SQL, and every mail at the SMTP sink exactly once.
const SEED = Number(process.env.PG_FAULT_SEED ?? Date.now() % 1_000_000);
const USERS = 16;
const CALLERS = 10;
const STOP_MS = 20_000;
const PASSWORD = 'postgres fault test password';
/** Settling fails once nothing has moved for this long. */
const STALL_MS = 120_000;

describe('the production layout while its Postgres restarts and stops', () => {
  let cluster: PostgresCluster;
  let handle: DbHandle;
  let redis: RedisServer;
  let smtp: SmtpSink;
  let worker: WorkerProcess;
  let apis: ApiCluster;
  const exits: string[] = [];
  const db = () => handle.db;

  let people: HttpCallers;
  const login = (api: ApiProcess, email: string) => people.login(api.url, email);

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    const url = await cluster.createDatabase('evently_pg_fault');
    handle = await createDb({ databaseUrl: url, poolSize: 4 });
    await migrateToLatest(handle.db);
    redis = await startRedisServer();
    smtp = await startSmtpSink();
    people = httpCallers({ smtp, password: PASSWORD, network: '10.7' });
    const prefix = `t:${randomUUID()}`;
    worker = workerProcess({
      NODE_ENV: 'production',
      DATABASE_URL: url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      SMTP_URL: smtp.url,
      // Its ready line is an info line.
      LOG_LEVEL: 'info',
    });
    await worker.start();
    apis = await startApiCluster({
      database: { url, db: handle.db },
      redisUrl: redis.url,
      redisPrefix: prefix,
      logLevel: 'warn',
    });
    for (const api of apis.apis) {
      void api.proc.exited.then((code) => exits.push(`API ${api.name} exited (${code})`));
    }
  }, 180_000);

  afterAll(async () => {
    await apis?.stop();
    await worker?.kill();
    await handle?.close();
    await cluster?.destroy();
    await redis?.kill();
    await smtp?.close();
  });

  it(`a restart and a ${STOP_MS / 1000} s stop of Postgres mid-sale: nobody exits, everything resumes by itself (seed ${SEED})`, async () => {
    const [a, b] = apis.apis as [ApiProcess, ApiProcess];
    const started = Date.now();
    const log: string[] = [];
    const stamp = (what: string) =>
      log.push(`${what} (+${((Date.now() - started) / 1000).toFixed(1)} s)`);

    // People over HTTP (so analytics counts them): an admin, two organizers, the buyers.
    const { email: adminEmail } = await people.signUp(a.url, 'admin');
    await db()
      .updateTable('users')
      .set({ role: 'admin' })
      .where('email', '=', adminEmail)
      .execute();
    const admin = await login(b, adminEmail);
    const adminClient = clientOf(a, admin);
    // Each organizer's client through their own process, and one through each (to mark payments).
    const organizers: Array<{ userId: string; client: EventlyClient; clients: EventlyClient[] }> =
      [];
    for (const api of [a, b]) {
      const { email, caller } = await people.signUp(api.url, 'organizer');
      await adminClient.auth.users.setRole.mutate({ userId: caller.userId, role: 'organizer' });
      const organizer = await login(api, email);
      organizers.push({
        userId: organizer.userId,
        client: clientOf(api, organizer),
        clients: apis.apis.map((each) => clientOf(each, organizer)),
      });
    }
    const buyers: Buyer[] = [];
    for (let i = 0; i < USERS; i += 4) {
      const signedUp = await Promise.all(
        Array.from({ length: 4 }, (_, j) =>
          people.signUp((apis.apis[(i + j) % 2] as ApiProcess).url, 'buyer'),
        ),
      );
      for (const { caller } of signedUp) {
        buyers.push({
          userId: caller.userId,
          clients: apis.apis.map((api) => clientOf(api, caller)),
        });
      }
    }
    // Two hot events: one free (confirmed at once), one paid (a hold, then paid — its organizer
    // marks it, through either process — which confirms it).
    const events: SaleEvent[] = [];
    for (const [i, priced] of [false, true].entries()) {
      const organizer = organizers[i] as (typeof organizers)[number];
      const input = eventInput({
        capacity: priced ? 90 : 120,
        priceCents: priced ? 2_500 : 0,
        maxPerBooking: 3,
      });
      const event = await organizer.client.events.create.mutate(input);
      await organizer.client.events.publish.mutate({ id: event.id });
      events.push({
        id: event.id,
        priced,
        capacity: input.capacity,
        maxPerBooking: 3,
        organizer: organizer.clients,
      });
    }
    stamp('set up');

    const sale = createFlashSale({ seed: SEED, buyers, events, concurrency: CALLERS });
    const ok = () => sale.calls.filter((c) => c.answers.includes('ok')).length;
    const ready = async (api: ApiProcess) =>
      (await fetch(`${api.url}/health/ready`).catch(() => undefined))?.status;
    const readyWhileDown: Array<number | undefined> = [];
    let selling = true;
    const selling$ = sale.run(() => selling);

    const faults = (async () => {
      await expect.poll(ok, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(15);
      stamp(`restart at ${ok()} bookings`);
      await cluster.restart();
      stamp('restarted');
      const before = ok();
      await expect.poll(ok, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(before + 10);
      stamp(`stop at ${ok()} bookings`);
      await cluster.stop();
      await sleep(2_000);
      readyWhileDown.push(await ready(a), await ready(b));
      await sleep(STOP_MS - 2_000);
      await cluster.start();
      stamp('started');
      // /health/ready comes back by itself on both processes.
      await expect
        .poll(async () => [await ready(a), await ready(b)], { timeout: 60_000, interval: 250 })
        .toEqual([200, 200]);
      stamp('both ready');
      // The sale goes on to the end: both events sold out.
      await expect.poll(() => sale.soldOut, { timeout: 90_000, interval: 100 }).toBe(true);
      selling = false;
    })();
    try {
      await faults;
    } finally {
      selling = false;
      await selling$;
    }
    stamp(`sale over at ${ok()} bookings`);
    expect(readyWhileDown).toEqual([503, 503]);

    // Nobody exited, and every answer was a booking, a refusal or one a caller may retry.
    expect(exits).toEqual([]);
    expect(worker.exit, worker.output().slice(-3_000)).toBeUndefined();
    const answers = sale.calls.flatMap((c) => c.answers);
    expect(
      answers.filter(
        (x) =>
          x !== 'ok' && !['SOLD_OUT', 'QUANTITY_LIMIT_EXCEEDED'].includes(x) && !isRetryable(x),
      ),
    ).toEqual([]);
    const retryable = answers.filter(isRetryable).length;
    expect(retryable).toBeGreaterThan(0);

    // Calls left without a definite answer are retried under their own key; holds paid.
    await sale.settle();
    stamp('every call answered');

    // Every outbox event reaches every consumer, every mail goes out — without a restart.
    await untilDrained(
      async () => {
        const { rows } = await sql<{ unrelayed: string; mails: string }>`
          SELECT (SELECT count(*) FROM outbox WHERE relayed_at IS NULL) AS unrelayed,
            (SELECT count(*) FROM sent_emails WHERE status <> 'sent') AS mails`.execute(db());
        return {
          unrelayed: Number(rows[0]?.unrelayed),
          undelivered: await undelivered(db()),
          mails: Number(rows[0]?.mails),
        };
      },
      { left: (state) => state.unrelayed + state.undelivered + state.mails, stallMs: STALL_MS },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; ${log.join('; ')}\n${worker.output().slice(-3_000)}`);
    });
    stamp('settled');

    // No oversell: the inventory holds what the bookings hold, within capacity.
    for (const event of events) {
      const { rows } = await sql<{ capacity: number; taken: number; booked: string }>`
        SELECT i.capacity, i.confirmed + i.held AS taken,
          (SELECT coalesce(sum(b.quantity), 0) FROM bookings b
            WHERE b.event_id = i.event_id AND b.status IN ('pending', 'confirmed')) AS booked
        FROM event_inventory i WHERE i.event_id = ${event.id}`.execute(db());
      const row = rows[0];
      expect(row?.capacity).toBe(event.capacity);
      expect(row?.taken).toBeLessThanOrEqual(event.capacity);
      expect(Number(row?.booked)).toBe(row?.taken);
    }
    // No phantom success: the books hold exactly what callers were told.
    expect(
      await phantomProblems(
        db(),
        sale.calls,
        events.map((e) => e.id),
      ),
    ).toEqual([]);

    // Analytics equal SQL; each mail the outbox calls for arrived once (no kill windows).
    await expectFiguresMatchSourceTables(db(), adminClient, organizers);
    const mails = await auditMails(db(), smtp.messages, []);
    expect(mails.problems).toEqual([]);
    expect(mails.expected).toBeGreaterThan(USERS);
    expect(exits).toEqual([]);
    expect(worker.exit).toBeUndefined();
    expect(worker.starts).toBe(1);

    console.info(
      `postgres fault test (seed ${SEED}): ${log.join('; ')}; ${sale.calls.length} calls, ` +
        `${ok()} bookings; ${mails.expected} mails expected, ${mails.received} received; answers`,
      sale.answerCounts(),
    );
  }, 300_000);
});
