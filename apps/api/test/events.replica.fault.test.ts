import { randomUUID } from 'node:crypto';
import { createDb, type DbHandle, migrateToLatest } from '@evently/db';
import {
  type StreamingReplica,
  startStreamingReplica,
} from '@evently/db/testing/streaming-replica';
import { connectTestRedis, deleteKeysByPrefix, TEST_REDIS_URL } from '@evently/platform/testing';
import { createEventlyClient, type EventlyClient } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiCluster, type ApiProcess, clientOf, startApiCluster } from './api-cluster.js';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';

// Issue 13's read replicas, on a primary and a hot standby of this file's own (initdb +
// pg_basebackup -R on loopback, never the shared server), under a `pnpm start:api` started with
// DATABASE_REPLICA_URL. The standby's replay is paused to make it lag on demand, and it is
// stopped and started. Public lists may show the replica's (older) state; nothing else may.
describe('DATABASE_REPLICA_URL: public lists on a streaming replica', () => {
  let clusters: StreamingReplica;
  let primary: DbHandle;
  let standby: DbHandle;
  let redis: Awaited<ReturnType<typeof connectTestRedis>>;
  let apis: ApiCluster;
  let api: ApiProcess;
  let organizer: EventlyClient;
  let buyer: EventlyClient;
  let anonymous: EventlyClient;
  const prefix = `t:${randomUUID()}`;

  beforeAll(async () => {
    clusters = await startStreamingReplica();
    const url = await clusters.primary.createDatabase('evently_replica_reads');
    primary = await createDb({ databaseUrl: url, poolSize: 3 });
    await migrateToLatest(primary.db);
    await clusters.caughtUp();
    const replicaUrl = clusters.replica.urlFor('evently_replica_reads');
    standby = await createDb({ databaseUrl: replicaUrl, poolSize: 2 });
    redis = await connectTestRedis();
    apis = await startApiCluster({
      database: { url, db: primary.db },
      redisUrl: TEST_REDIS_URL,
      redisPrefix: prefix,
      names: ['A'],
      env: { DATABASE_REPLICA_URL: replicaUrl },
    });
    api = apis.apis[0] as ApiProcess;
    const [organizerCaller] = await apis.signIn(1, 'organizer');
    const [buyerCaller] = await apis.signIn(1, 'user');
    if (!organizerCaller || !buyerCaller) throw new Error('nobody signed in');
    organizer = clientOf(api, organizerCaller);
    buyer = clientOf(api, buyerCaller);
    anonymous = createEventlyClient({
      url: api.url,
      headers: () => ({ 'x-forwarded-for': '10.9.0.1' }),
    });
  }, 240_000);

  afterAll(async () => {
    await apis?.stop();
    await standby?.close();
    await primary?.close();
    await clusters?.destroy();
    if (redis) {
      await deleteKeysByPrefix(redis, `${prefix}:`);
      redis.disconnect();
    }
  });

  const publishEvent = async () => {
    const created = await organizer.events.create.mutate(eventInput());
    await organizer.events.publish.mutate({ id: created.id });
    return created.id;
  };
  /** The public list (anonymous or a plain user: both are `public` reach), as ids -> status. */
  const publicList = async (client: EventlyClient = anonymous) => {
    const { items } = await client.events.list.query({ limit: 100 });
    return new Map(items.map((e) => [e.id, e.status]));
  };
  /** The public lists' values cached under the list scope's current generation. */
  const cachedLists = async () => {
    const generation = await redis.get(`${prefix}:cache:gen:events:list`);
    if (!generation) return 0;
    const keys = await redis.keys(`${prefix}:cache:val:events:list:${JSON.parse(generation)}:*`);
    return keys.filter((key) => key.includes('public')).length;
  };
  /** Whether the standby has replayed the event's current status. */
  const onStandby = async (id: string) =>
    (await standby.db.selectFrom('events').select('status').where('id', '=', id).executeTakeFirst())
      ?.status;

  it('a lagging replica hides a new event from public lists only, and no stale list outlives the lag', async () => {
    const before = await publishEvent();
    await clusters.caughtUp();
    expect((await publicList()).get(before)).toBe('published');
    // A replica in step: its lists are cached like the primary's (once no other WAL is pending).
    await vi.waitFor(
      async () => {
        await publicList();
        expect(await cachedLists()).toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 500 },
    );

    await clusters.pauseReplay();
    let fresh: string;
    try {
      fresh = await publishEvent();
      // The primary's paths have it at once: the event, the organizer's own list, a booking.
      expect((await anonymous.events.get.query({ id: fresh })).status).toBe('published');
      const mine = await organizer.events.list.query({ limit: 100 });
      expect(mine.items.map((e) => e.id)).toContain(fresh);
      const booking = await buyer.bookings.create.mutate({ eventId: fresh, quantity: 1 });
      expect(booking.eventId).toBe(fresh);
      // The public lists read the replica, which has not replayed it.
      expect(await onStandby(fresh)).toBeUndefined();
      for (const client of [anonymous, buyer, anonymous]) {
        const listed = await publicList(client);
        expect(listed.has(before)).toBe(true);
        expect(listed.has(fresh)).toBe(false);
      }
      // ...and what they read was not kept under the publish's generation.
      expect(await cachedLists()).toBe(0);
    } finally {
      await clusters.resumeReplay();
    }
    await clusters.caughtUp();
    expect(await onStandby(fresh)).toBe('published');
    // The first list after the replica caught up has it: nothing stale was cached meanwhile.
    expect((await publicList()).get(fresh)).toBe('published');
    expect((await publicList(buyer)).get(fresh)).toBe('published');
  });

  it('bookings decide on the primary: a cancelled event the replica still lists cannot be booked, a new one can', async () => {
    const cancelled = await publishEvent();
    await clusters.caughtUp();
    await clusters.pauseReplay();
    try {
      await organizer.events.cancel.mutate({ id: cancelled, reason: 'venue closed' });
      const fresh = await publishEvent();
      // The replica still lists it as on sale...
      expect(await onStandby(cancelled)).toBe('published');
      expect((await publicList()).get(cancelled)).toBe('published');
      // ...but a booking reads the primary: refused, while the new event books at once.
      await expectAppCode(
        buyer.bookings.create.mutate({ eventId: cancelled, quantity: 1 }),
        'EVENT_NOT_BOOKABLE',
      );
      expect((await anonymous.events.get.query({ id: cancelled })).status).toBe('cancelled');
      const booking = await buyer.bookings.create.mutate({ eventId: fresh, quantity: 2 });
      expect(booking.status).toBe('pending');
      const seats = await anonymous.bookings.availability.query({ eventId: fresh });
      expect(seats.available).toBe(8);
    } finally {
      await clusters.resumeReplay();
    }
    await clusters.caughtUp();
    expect((await publicList()).get(cancelled)).toBe('cancelled');
  });

  it('a replica that is down: public lists answer from the primary, nothing else notices, and the replica is used again once back', async () => {
    await clusters.replica.stop();
    try {
      const fresh = await publishEvent();
      expect((await publicList()).get(fresh)).toBe('published');
      expect((await publicList(buyer)).get(fresh)).toBe('published');
      expect((await fetch(`${api.url}/health/ready`)).status).toBe(200);
      const booking = await buyer.bookings.create.mutate({ eventId: fresh, quantity: 1 });
      expect(booking.status).toBe('pending');
      expect((await anonymous.events.get.query({ id: fresh })).status).toBe('published');
      // The fallback is logged (pino writes asynchronously: wait for the line).
      await vi.waitFor(
        () =>
          expect(`${api.proc.stdout()}${api.proc.stderr()}`).toContain(
            'read replica failed; reading the primary',
          ),
        { timeout: 15_000, interval: 200 },
      );
    } finally {
      await clusters.replica.start();
    }

    // Back on the replica after its retry pause (5 s): with replay paused again, a newly
    // published event stays out of the public list once the replica is read again.
    await clusters.caughtUp();
    await clusters.pauseReplay();
    try {
      await vi.waitFor(
        async () => {
          const id = await publishEvent();
          expect((await publicList()).has(id)).toBe(false);
        },
        { timeout: 60_000, interval: 1_000 },
      );
    } finally {
      await clusters.resumeReplay();
    }
  });
});
