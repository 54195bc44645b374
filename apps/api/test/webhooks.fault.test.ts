import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookTopic } from '@evently/contracts';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import {
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
import { eventInput } from './event-input.js';
import { type HttpCallers, httpCallers } from './http-callers.js';
import { TEST_TICKET_SIGNING_KEY } from './ticket-key.js';
import { untilDrained } from './until-drained.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { eventually, unrecorded } from './webhooks.fixtures.js';
import { type WorkerProcess, workerProcess } from './worker-process.js';

// Webhooks while the worker (`pnpm start:worker`) is SIGKILLed in the middle of deliveries and
// its Redis comes back empty: every committed event of the subscribed topics reaches each
// webhook, in outbox order, and an event sent twice is sent under the same webhook-id (the
// delivery's id: a receiver drops the repeat).
const TOPICS = [
  'event.published',
  'booking.created',
  'booking.confirmed',
  'booking.cancelled',
] as const satisfies readonly WebhookTopic[];
const KILLS = 3;
/** The kill after which Redis is killed too, and comes back empty. */
const REDIS_AT_KILL = 1;
const PASSWORD = 'webhook fault test password 0123';
/**
 * Deliveries not yet delivered past which the bookings wait. Enough that attempts are in flight
 * whenever a worker runs; bounded so the backlog (and the time to settle) does not grow with how
 * slow the machine is: faults on a busy box take longer, and unpaced bookings piled up a backlog
 * the worker then needed minutes to send.
 */
const MAX_BACKLOG = 200;
/** Settling fails only once the backlog has not shrunk for this long (a lease is 30 s). */
const STALL_MS = 120_000;

describe('webhooks while the worker and Redis die', () => {
  let database: TestDatabase;
  let redis: RedisServer;
  let smtp: SmtpSink;
  let worker: WorkerProcess | undefined;
  let api: RunningApi | undefined;
  let people: HttpCallers;
  const receivers: WebhookReceiver[] = [];
  /** Webhook id -> its receiver. */
  const hooks = new Map<string, WebhookReceiver>();
  let organizer: EventlyClient;
  const users: EventlyClient[] = [];
  const eventIds: string[] = [];
  const prefix = `t:${randomUUID()}`;
  const adminEmail = `admin-${randomUUID()}@example.com`;
  const db = () => database.handle.db;
  const url = () => api?.url ?? '';

  const signIn = async (email: string) => people.as(url(), await people.login(url(), email));

  beforeAll(async () => {
    database = await createTestDatabase('webhooks_fault');
    redis = await startRedisServer();
    smtp = await startSmtpSink();
    people = httpCallers({ smtp, password: PASSWORD, network: '10.8' });
    const shared = {
      NODE_ENV: 'production',
      TICKET_SIGNING_KEY: TEST_TICKET_SIGNING_KEY,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      SMTP_URL: smtp.url,
      // The receivers listen on 127.0.0.1.
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    };
    worker = workerProcess({ ...shared, LOG_LEVEL: 'info' });
    await worker.start();
    const env = readApiEnv({
      ...shared,
      PORT: '0',
      JWT_SECRET: 'webhooks-fault-test-secret-long-enough-0123456789',
      TRUST_PROXY: '127.0.0.1',
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: PASSWORD,
    });
    api = await startApi(env, 'api', pino({ level: 'error' }));
    const admin = await signIn(adminEmail);
    const signedUp = await people.signUp(url(), 'organizer');
    await admin.auth.users.setRole.mutate({ userId: signedUp.caller.userId, role: 'organizer' });
    organizer = await signIn(signedUp.email);
    for (let i = 0; i < 4; i++)
      users.push(people.as(url(), (await people.signUp(url(), 'user')).caller));
    const draft = await organizer.events.create.mutate(
      eventInput({ capacity: 100_000, priceCents: 0 }),
    );
    // Two webhooks, each with a slow receiver (attempts stay in flight for a kill to cut).
    for (let i = 0; i < 2; i++) {
      const receiver = await startWebhookReceiver({ delayMs: 15 });
      receivers.push(receiver);
      const { webhook } = await organizer.webhooks.create.mutate({
        organizationId: draft.organizationId,
        url: receiver.url,
        topics: [...TOPICS],
      });
      hooks.set(webhook.id, receiver);
    }
    for (const made of [
      draft,
      await organizer.events.create.mutate(
        eventInput({ organizationId: draft.organizationId, capacity: 100_000, priceCents: 0 }),
      ),
    ]) {
      eventIds.push((await organizer.events.publish.mutate({ id: made.id })).id);
    }
  }, 120_000);

  afterAll(async () => {
    await worker?.kill();
    await api?.stop();
    await redis?.kill();
    await smtp?.close();
    for (const receiver of receivers) await receiver.close();
    await database?.drop();
  });

  /** Deliveries not delivered yet, of both webhooks. */
  const notDelivered = async () => {
    const pending = await db()
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '<>', 'delivered')
      .executeTakeFirstOrThrow();
    return Number(pending.n);
  };

  it('delivers every committed event, a repeat only under the same webhook-id', async () => {
    const log: string[] = [];
    let stop = false;
    let calls = 0;
    // Bookings (created + confirmed) and some cancellations, until the faults are over.
    const mix = (async () => {
      while (!stop) {
        if ((await notDelivered()) > MAX_BACKLOG) {
          await sleep(200);
          continue;
        }
        const client = users[calls % users.length];
        const eventId = eventIds[calls % eventIds.length];
        calls += 1;
        if (!client || !eventId) continue;
        try {
          const booking = await client.bookings.create.mutate({ eventId, quantity: 1 });
          if (calls % 4 === 0) await client.bookings.cancel.mutate({ bookingId: booking.id });
        } catch {
          // Refused while Redis is away (SERVICE_UNAVAILABLE): nothing committed, nothing owed.
        }
        await sleep(150);
      }
    })();

    const killed: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Mid-delivery: a receiver is reading an attempt when the worker dies.
      await eventually(
        async () => receivers.some((r) => r.inFlight > 0),
        (inFlight) => inFlight,
        60_000,
      );
      killed.push(receivers.reduce((n, r) => n + r.inFlight, 0));
      await worker?.kill();
      log.push(`worker killed with ${killed.at(-1)} in flight`);
      if (kill === REDIS_AT_KILL) {
        await redis.kill();
        await sleep(500);
        await redis.restart();
        // Back empty, and every relay pass as if it had handed its rows back: the relay enqueues
        // every event again — those processed (only processed_events and the deliveries' key
        // drop them) and those whose jobs the old Redis took with it.
        const again = await sql<{ id: string }>`UPDATE outbox SET relayed_at = NULL,
          delivered_at = NULL WHERE relayed_at IS NOT NULL RETURNING id`.execute(db());
        log.push(`redis back empty, ${again.rows.length} events relayed again`);
      }
      await sleep(300);
      await worker?.start();
      await sleep(1_500);
    }
    await sleep(1_000);
    stop = true;
    await mix;
    const faultsOver = Date.now();

    // Everything settles: every event recorded for both webhooks, every delivery sent.
    const stuck = () =>
      db()
        .selectFrom('webhook_deliveries')
        .select(['status', 'attempts', 'last_error', 'next_attempt_at', 'seq'])
        .where('status', '<>', 'delivered')
        .orderBy('seq')
        .limit(5)
        .execute();
    await untilDrained(
      async () => ({ unrecorded: await unrecorded(db()), notDelivered: await notDelivered() }),
      {
        left: (state) => state.unrecorded + state.notDelivered,
        stallMs: STALL_MS,
        abort: () => {
          if (worker?.exit !== undefined) throw new Error(`worker exited:\n${worker.output()}`);
        },
      },
    ).catch(async (error: unknown) => {
      throw new Error(
        `${String(error)}; ${log.join('; ')}; first stuck: ${JSON.stringify(await stuck())}\n` +
          worker?.output().slice(-3_000),
      );
    });
    log.push(`settled in ${Date.now() - faultsOver} ms`);

    const committed = await db()
      .selectFrom('outbox')
      .select(['id', 'seq'])
      .where('topic', 'in', [...TOPICS])
      .orderBy('seq')
      .execute();
    expect(committed.length).toBeGreaterThan(40);
    let repeats = 0;
    for (const [webhookId, receiver] of hooks) {
      const deliveries = await db()
        .selectFrom('webhook_deliveries')
        .select(['id', 'event_id'])
        .where('webhook_id', '=', webhookId)
        .execute();
      const deliveryOf = new Map(deliveries.map((d) => [d.event_id, d.id]));
      // One delivery per committed event…
      expect(deliveries).toHaveLength(committed.length);
      const heard = receiver.received.map((r) => ({
        webhookId: r.id,
        eventId: (JSON.parse(r.body) as { id: string }).id,
      }));
      // …every one heard, each time under its delivery's id…
      expect(new Set(heard.map((h) => h.eventId))).toEqual(new Set(committed.map((c) => c.id)));
      for (const h of heard) expect(h.webhookId).toBe(deliveryOf.get(h.eventId));
      repeats += heard.length - committed.length;
      // …first heard in outbox order.
      const firsts = [...new Set(heard.map((h) => h.eventId))];
      expect(firsts).toEqual(committed.map((c) => c.id));
    }
    expect(killed.every((inFlight) => inFlight > 0)).toBe(true);
    console.info(
      `webhooks fault test: ${log.join('; ')}; ${committed.length} events, ${calls} calls, ` +
        `${repeats} repeats (same webhook-id)`,
    );
  }, 900_000);
});
