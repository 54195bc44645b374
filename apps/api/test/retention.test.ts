import { randomUUID } from 'node:crypto';
import { toOutboxRows } from '@evently/db';
import type { TestDatabase } from '@evently/db/testing';
import {
  createMemoryQueue,
  createOutboxReconciler,
  defineConsumer,
  type JobToAdd,
  type QueuePort,
  type RetentionRule,
  runRetention,
} from '@evently/platform';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETENTION_JOB, RETENTION_QUEUE } from '../src/composition/retention-schedule.js';
import { startTestApp, type TestApp } from './harness.js';
import { webhookDeliveries } from './webhook-deliveries.fixtures.js';

// Finished records go RETENTION_DAYS after they finished, in bounded chunks; everything a process
// may still act on stays, however old. Time is the injected clock: rows are written relative to
// `now` and the pass runs at `now`.
const DAY = 86_400_000;
const DAYS = 30;
const old = (now: Date) => new Date(now.getTime() - (DAYS + 1) * DAY);
const recent = (now: Date) => new Date(now.getTime() - (DAYS - 1) * DAY);

describe('retention of finished records', () => {
  let database: TestDatabase;
  // The pass's clock; the reconciler below reads the database's, so this one is today.
  const now = new Date();
  const db = () => database.handle.db;

  // The rules are the ones the modules register, as the worker's pass runs them.
  let rules: readonly RetentionRule[];
  let bare: TestApp;

  beforeAll(async () => {
    bare = await startTestApp({ worker: false, admin: false });
    database = bare.db;
    rules = bare.modules.worker.retention;
  });
  afterAll(async () => bare?.close());

  async function user(): Promise<string> {
    const id = randomUUID();
    await db()
      .insertInto('users')
      .values({
        id,
        email: `${id}@example.com`,
        name: 'R',
        role: 'user',
        password_hash: 'x',
        email_verified_at: null,
        updated_at: now,
      })
      .execute();
    return id;
  }

  /** An outbox event with its times, and the consumers that claimed it. */
  async function outboxEvent(times: {
    relayed: Date | null;
    delivered: Date | null;
    claimedBy: string[];
  }): Promise<string> {
    const userId = randomUUID();
    const [row] = toOutboxRows(
      [
        {
          topic: 'user.registered',
          aggregateId: userId,
          payload: { userId, email: `${userId}@example.com`, name: 'R' },
        },
      ],
      times.relayed ?? now,
    );
    if (!row) throw new Error('no row');
    await db()
      .insertInto('outbox')
      .values({
        ...row,
        payload: JSON.stringify(row.payload),
        relayed_at: times.relayed,
        delivered_at: times.delivered,
      })
      .execute();
    for (const consumer of times.claimedBy) {
      await db()
        .insertInto('processed_events')
        .values({ consumer, event_id: row.id, processed_at: times.relayed ?? now })
        .execute();
    }
    return row.id;
  }

  /** `perishable`: a code mail (it expires ten minutes after it was queued). */
  async function mail(
    status: 'pending' | 'sent' | 'dead',
    at: Date,
    perishable = false,
  ): Promise<string> {
    const id = randomUUID();
    await db()
      .insertInto('sent_emails')
      .values({
        id,
        source: randomUUID(),
        recipient_id: randomUUID(),
        template: 'welcome',
        to_email: 'r@example.com',
        subject: 's',
        status,
        created_at: at,
        next_attempt_at: at,
        sent_at: status === 'sent' ? at : null,
        dead_at: status === 'dead' ? at : null,
        expires_at: perishable ? new Date(at.getTime() + 600_000) : null,
      })
      .execute();
    return id;
  }

  async function session(userId: string, ends: { expires: Date; revoked?: Date }) {
    const id = randomUUID();
    await db()
      .insertInto('sessions')
      .values({
        id,
        user_id: userId,
        refresh_token_hash: randomUUID(),
        user_agent: null,
        ip: null,
        last_used_at: now,
        revoked_reason: null,
        expires_at: ends.expires,
        revoked_at: ends.revoked ?? null,
      })
      .execute();
    await db()
      .insertInto('session_refresh_tokens')
      .values({ token_hash: randomUUID(), session_id: id, generation: 1 })
      .execute();
    return id;
  }

  async function otp(userId: string, expires: Date) {
    const id = randomUUID();
    await db()
      .insertInto('otp_codes')
      .values({
        id,
        // One row per (email, purpose): each its own email key.
        email_key: randomUUID(),
        user_id: userId,
        purpose: 'verify',
        code_hash: 'h',
        expires_at: expires,
        consumed_at: null,
        created_at: now,
      })
      .execute();
    return id;
  }

  async function idempotencyKey(userId: string, expires: Date) {
    const key = randomUUID();
    await db()
      .insertInto('idempotency_keys')
      .values({
        user_id: userId,
        scope: 'bookings.create',
        key,
        request_hash: 'h',
        expires_at: expires,
      })
      .execute();
    return key;
  }

  /** A Stripe event id handled at `received`. */
  async function stripeEvent(received: Date) {
    const id = `evt_${randomUUID().replaceAll('-', '')}`;
    await db()
      .insertInto('stripe_events')
      .values({ id, type: 'payment_intent.succeeded', received_at: received, outcome: 'confirmed' })
      .execute();
    return id;
  }

  const webhookDelivery = webhookDeliveries(db, () => old(old(now)));

  const ids = async (
    table: 'outbox' | 'sent_emails' | 'sessions' | 'otp_codes' | 'webhook_deliveries',
  ) => (await db().selectFrom(table).select('id').execute()).map((r) => r.id).sort();
  const claims = async () =>
    (await db().selectFrom('processed_events').select(['consumer', 'event_id']).execute())
      .map((c) => `${c.consumer}:${c.event_id}`)
      .sort();
  const run = (chunkSize?: number, maxChunks?: number) =>
    runRetention({
      db: db(),
      rules,
      days: DAYS,
      now: () => now,
      ...(chunkSize ? { chunkSize } : {}),
      ...(maxChunks ? { maxChunks } : {}),
    });

  it('deletes what finished before the window and keeps what may still be acted on', async () => {
    const alice = await user();
    const outbox = {
      deliveredLongAgo: await outboxEvent({
        relayed: old(now),
        delivered: old(now),
        claimedBy: ['alpha', 'beta'],
      }),
      deliveredRecently: await outboxEvent({
        relayed: recent(now),
        delivered: recent(now),
        claimedBy: ['alpha', 'beta'],
      }),
      // A consumer kept failing for two months: relayed, not delivered, one claim of two.
      stuck: await outboxEvent({ relayed: old(old(now)), delivered: null, claimedBy: ['alpha'] }),
      unrelayed: await outboxEvent({ relayed: null, delivered: null, claimedBy: [] }),
    };
    const mails = {
      sentLongAgo: await mail('sent', old(now)),
      sentRecently: await mail('sent', recent(now)),
      deadLongAgo: await mail('dead', old(old(now))),
      pendingLongAgo: await mail('pending', old(old(now))),
      // A dead code mail is never replayed: it goes like a sent one.
      deadCodeLongAgo: await mail('dead', old(now), true),
      deadCodeRecently: await mail('dead', recent(now), true),
    };
    const sessions = {
      expiredLongAgo: await session(alice, { expires: old(now) }),
      revokedLongAgo: await session(alice, {
        expires: new Date(now.getTime() + DAY),
        revoked: old(now),
      }),
      revokedRecently: await session(alice, {
        expires: new Date(now.getTime() + DAY),
        revoked: recent(now),
      }),
      live: await session(alice, { expires: new Date(now.getTime() + DAY) }),
    };
    const otps = {
      expiredLongAgo: await otp(alice, old(now)),
      expiredRecently: await otp(alice, recent(now)),
    };
    const keys = {
      expiredLongAgo: await idempotencyKey(alice, old(now)),
      live: await idempotencyKey(alice, new Date(now.getTime() + DAY)),
    };
    // Stripe redelivers an event for three days at most: an id older than the window never returns.
    const stripeEvents = {
      handledLongAgo: await stripeEvent(old(now)),
      handledRecently: await stripeEvent(recent(now)),
    };

    // A failed delivery is replayable for the window; a pending one is kept whatever its age.
    const deliveries = {
      deliveredLongAgo: await webhookDelivery('delivered', old(now)),
      failedLongAgo: await webhookDelivery('failed', old(now)),
      // Made long ago, replayed, and tried lately: its window starts at its last attempt.
      failedRecently: await webhookDelivery('failed', recent(now)),
      pendingLongAgo: await webhookDelivery('pending', old(old(now))),
    };

    expect(await run()).toEqual({
      outbox: 1,
      'sent-emails': 1,
      'perishable-dead-letters': 1,
      sessions: 2,
      'otp-codes': 1,
      'idempotency-keys': 1,
      'organization-invitations': 0, // organizations.retention.test.ts
      'stripe-events': 1,
      'webhook-deliveries': 2,
    });
    expect(await ids('webhook_deliveries')).toEqual(
      [deliveries.failedRecently, deliveries.pendingLongAgo].sort(),
    );

    expect(await ids('outbox')).toEqual(
      [outbox.deliveredRecently, outbox.stuck, outbox.unrelayed].sort(),
    );
    // The deleted event's claims went with it; every other claim stayed.
    expect(await claims()).toEqual(
      [
        `alpha:${outbox.deliveredRecently}`,
        `beta:${outbox.deliveredRecently}`,
        `alpha:${outbox.stuck}`,
      ].sort(),
    );
    expect(await ids('sent_emails')).toEqual(
      [mails.sentRecently, mails.deadLongAgo, mails.pendingLongAgo, mails.deadCodeRecently].sort(),
    );
    expect(await ids('sessions')).toEqual([sessions.revokedRecently, sessions.live].sort());
    const tokens = await db().selectFrom('session_refresh_tokens').select('session_id').execute();
    expect(tokens.map((t) => t.session_id).sort()).toEqual(
      [sessions.revokedRecently, sessions.live].sort(),
    );
    expect(await ids('otp_codes')).toEqual([otps.expiredRecently]);
    const kept = await db().selectFrom('idempotency_keys').select('key').execute();
    expect(kept.map((k) => k.key)).toEqual([keys.live]);
    const stripeKept = await db().selectFrom('stripe_events').select('id').execute();
    expect(stripeKept.map((e) => e.id)).toEqual([stripeEvents.handledRecently]);
    // Running again deletes nothing more.
    expect(Object.values(await run()).every((n) => n === 0)).toBe(true);

    // Exactly-once, against the reconciler: it redelivers the stuck event to the one consumer
    // without a claim (the other's claim survived) and nothing that was deleted or delivered.
    const added: Array<JobToAdd<unknown> & { queue: string }> = [];
    const inner = createMemoryQueue();
    const recording: QueuePort = {
      ...inner,
      async add(queue, job) {
        added.push({ ...job, queue });
      },
      async addBulk(queue, jobs) {
        added.push(...jobs.map((job) => ({ ...job, queue })));
      },
    };
    const consumer = (name: string) =>
      defineConsumer({ name, topics: ['user.registered'], handle: async () => {} });
    const reconciler = createOutboxReconciler({
      db: database.handle,
      queue: recording,
      consumers: [consumer('alpha'), consumer('beta')],
      log: pino({ level: 'silent' }),
      deadlineMs: 1_000,
    });
    await reconciler.reconcileOnce();
    expect(added.map((job) => [job.queue, job.options?.jobId])).toEqual([
      ['consumer.beta', `${outbox.stuck}.r1`],
    ]);
    await inner.close();
  });

  it('deletes in chunks of a bounded size, and a run stops after its chunks', async () => {
    await sql`DELETE FROM processed_events`.execute(db());
    await sql`DELETE FROM outbox`.execute(db());
    const doomed = [];
    for (let i = 0; i < 5; i++) {
      doomed.push(
        await outboxEvent({ relayed: old(now), delivered: old(now), claimedBy: ['alpha'] }),
      );
    }
    // Two chunks of two: four rows go, the oldest first; the fifth waits for the next run.
    expect((await run(2, 2)).outbox).toBe(4);
    expect(await ids('outbox')).toHaveLength(1);
    expect((await run(2, 2)).outbox).toBe(1);
    expect(await ids('outbox')).toEqual([]);
    expect(await claims()).toEqual([]);
  });
});

describe('retention in the worker', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.close());

  it('runs the pass as a worker schedule with RETENTION_DAYS (default 30)', async () => {
    const db = app.db.handle.db;
    const now = new Date();
    const id = randomUUID();
    const sentDaysAgo = (days: number) => ({
      id: randomUUID(),
      source: randomUUID(),
      recipient_id: randomUUID(),
      template: 'welcome',
      to_email: 'r@example.com',
      subject: `${id} ${days}`,
      status: 'sent' as const,
      sent_at: new Date(now.getTime() - days * DAY),
    });
    const sentLongAgo = sentDaysAgo(31);
    const sentRecently = sentDaysAgo(29);
    await db.insertInto('sent_emails').values([sentLongAgo, sentRecently]).execute();

    // The pass the worker schedules every 15 minutes, run now.
    await app.platform.queue.add(RETENTION_QUEUE, { name: RETENTION_JOB, data: {} });
    const left = () =>
      db
        .selectFrom('sent_emails')
        .select('id')
        .where('subject', 'like', `${id}%`)
        .execute()
        .then((rows) => rows.map((r) => r.id));
    await expect.poll(left, { timeout: 15_000, interval: 50 }).toEqual([sentRecently.id]);
  });
});
