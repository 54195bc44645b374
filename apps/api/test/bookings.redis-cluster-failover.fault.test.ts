import { consumerQueueName, createRedis } from '@evently/platform';
import type { RedisCluster } from '@evently/platform/testing';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ANALYTICS_CONSUMER } from '../src/modules/analytics/analytics.consumer.js';
import { useApiCluster } from './api-cluster.fixtures.js';
import { clientOf } from './api-cluster.js';
import { outcomeOf } from './app-error.js';
import { expectAuditAndOutboxMatchBookings } from './booking-ledger.js';
import { eventInput } from './event-input.js';
import {
  type Buyer,
  createFlashSale,
  type HeardAnswer,
  phantomProblems,
  type SaleEvent,
} from './flash-sale.js';
import { watchInventory } from './inventory-watcher.js';
import { undelivered } from './outbox-delivery.js';

// Issue 13's promise, end to end: with REDIS_URL naming a Redis Cluster (redis+cluster://…),
// the production layout — two `pnpm start:api` processes and a `pnpm start:worker` on one
// database and one Redis prefix — sells through a failover. The cluster is the test's own (3
// masters, 3 replicas on loopback ports, never the shared Redis). Mid-sale the master that serves
// both hot events' lock keys (every batch takes its event's lock: BOOKING_EVENT_LOCK=always) and
// the analytics consumer's queue is SIGKILLed as a lock is taken on it; its replica takes over.
// (Between the master being flagged failed and its replica's promotion the whole cluster answers
// CLUSTERDOWN — cluster-require-full-coverage — so for that second every lock fails, on any slot.)
// Callers get a booking, a refusal, or SERVICE_UNAVAILABLE (never a timeout or INTERNAL), and
// retry the last under the same idempotency key; SERVICE_UNAVAILABLE only from the kill until
// each process books again.
// Afterwards: never oversold at any instant, the books hold exactly what callers were told, audit
// rows and outbox events match the bookings, every outbox event is relayed and delivered to every
// consumer, and both processes book on the failed-over slots.
const SEED = Number(process.env.CLUSTER_FAULT_SEED ?? Date.now() % 1_000_000);
const USERS = 40;
const CALLERS = 12;
const CAPACITY = 200;
const MAX_PER_BOOKING = 3;
/** Bookings before the kill, so it lands mid-sale. */
const BOOKED_BEFORE_KILL = 20;
/**
 * What a call may be answered (SERVICE_UNAVAILABLE only while the failover is under way): a
 * buyer's booking call, or the organizer's payment of a paid hold (which confirms it).
 */
const ANSWERS = {
  create: ['ok', 'SOLD_OUT', 'QUANTITY_LIMIT_EXCEEDED', 'SERVICE_UNAVAILABLE'],
  pay: ['ok', 'SERVICE_UNAVAILABLE'],
};
/**
 * Once a process booked one event on the promoted replica, its other event's lock (another slot
 * of the same master) may still be routed to the dead node until its next slot-map refresh
 * (ioredis' slotsRefreshInterval, 2 s): a few seconds more.
 */
const RECOVERY_GRACE_MS = 5_000;
/**
 * A job the dead master acknowledged but had not replicated is gone: the worker's reconciler
 * enqueues its event again 60 s after the relay (checking every 15 s), so this allows for that.
 */
const DELIVERY_TIMEOUT_MS = 150_000;

describe('bookings while a Redis Cluster master fails over: two API processes and a worker on a throwaway 3-master cluster', () => {
  const cast = useApiCluster({
    database: 'bookings_redis_cluster_failover',
    attendees: USERS,
    redis: 'cluster',
    worker: true,
    logLevel: 'error',
    // Every batch takes the event lock, so the lock's master is certainly in use when it dies.
    env: { BOOKING_EVENT_LOCK: 'always' },
  });

  function redisCluster(): RedisCluster {
    const { redisCluster } = cast();
    if (!redisCluster) throw new Error('a Redis Cluster was asked for');
    return redisCluster;
  }

  /** The Redis key of an event's booking lock: `<REDIS_PREFIX>:lock:event:<id>` (redis-locks.ts, allocator.ts). */
  const lockKeyOf = (eventId: string) => `${cast().prefix}:lock:event:${eventId}`;

  /**
   * An event whose lock key lives on the master at `port`, published (the drafts that landed
   * elsewhere stay unpublished and unbooked). Each try has a one-in-three chance.
   */
  async function publishedEventOn(port: number, priced: boolean): Promise<SaleEvent> {
    const { organizer } = cast();
    for (let tries = 0; tries < 40; tries++) {
      const event = await organizer.events.create.mutate(
        eventInput({
          title: `Failover sale ${tries}`,
          venue: 'Arena',
          capacity: CAPACITY,
          priceCents: priced ? 3_000 : 0,
          maxPerBooking: MAX_PER_BOOKING,
        }),
      );
      if ((await redisCluster().masterOf(lockKeyOf(event.id))) !== port) continue;
      await organizer.events.publish.mutate({ id: event.id });
      // The organizer marks paid holds paid through API A (its client's index 0 is apis[0]'s).
      return {
        id: event.id,
        priced,
        capacity: CAPACITY,
        maxPerBooking: MAX_PER_BOOKING,
        organizer: [organizer],
      };
    }
    throw new Error(`no event's lock key landed on the master at ${port}`);
  }

  it(`a master SIGKILLed mid-sale: no oversell, definite answers, nothing lost, bookings resume on both processes (seed ${SEED})`, async () => {
    const { apis, attendees, db, prefix, worker } = cast();
    const cluster = redisCluster();
    const exits: string[] = [];
    for (const api of apis) {
      void api.proc.exited.then((code) => exits.push(`API ${api.name} exited (${code})`));
    }
    const started = Date.now();
    const log: string[] = [];
    const stamp = (what: string) =>
      log.push(`${what} (+${((Date.now() - started) / 1000).toFixed(1)} s)`);

    // The victim serves the analytics consumer's queue (the outbox relay adds to it, the worker
    // takes from it) and both hot events' locks.
    const victim = await cluster.masterOf(
      `${prefix}:bull:{${consumerQueueName(ANALYTICS_CONSUMER)}}:wait`,
    );
    const events = [await publishedEventOn(victim, true), await publishedEventOn(victim, false)];
    stamp(`events on the master at ${victim}: paid ${events[0]?.id}, free ${events[1]?.id}`);

    const buyers: Buyer[] = attendees.map((caller) => ({
      userId: caller.userId,
      clients: apis.map((api) => clientOf(api, caller)),
    }));
    const heard: Array<HeardAnswer & { answeredAt: number }> = [];
    const sale = createFlashSale({
      seed: SEED,
      buyers,
      events,
      concurrency: CALLERS,
      onAnswer: (answer) => heard.push({ ...answer, answeredAt: Date.now() }),
    });
    const ok = () => sale.calls.filter((c) => c.bookingId !== undefined).length;
    const watchers = events.map((event) => watchInventory(db, event.id));
    let killedAt = Number.POSITIVE_INFINITY;
    let failedOverAt = Number.POSITIVE_INFINITY;
    let selling = true;
    const selling$ = sale.run(() => selling);

    try {
      await expect
        .poll(ok, { timeout: 60_000, interval: 50 })
        .toBeGreaterThanOrEqual(BOOKED_BEFORE_KILL);
      stamp(`watching the locks at ${ok()} bookings`);
      // Killed the moment a batch takes its event's lock there.
      await nextLockWrite(
        victim,
        events.map((e) => lockKeyOf(e.id)),
      );
      killedAt = Date.now();
      await cluster.kill(victim);
      stamp(`killed at ${ok()} bookings`);
      await cluster.waitForFailover(victim);
      failedOverAt = Date.now();
      stamp(`failed over at ${ok()} bookings`);
      // The sale goes on to the end: both events sold out.
      await expect.poll(() => sale.soldOut, { timeout: 120_000, interval: 100 }).toBe(true);
      stamp(`sold out at ${ok()} bookings`);
    } finally {
      selling = false;
      await selling$;
    }
    const samples = await Promise.all(watchers.map((watcher) => watcher.stop()));
    // Calls left with SERVICE_UNAVAILABLE are retried under their own key; holds paid.
    await sale.settle();
    stamp('every call answered');

    // Every answer was a booking, a refusal or SERVICE_UNAVAILABLE — never a timeout or INTERNAL.
    const unavailable = heard.filter((h) => h.answer === 'SERVICE_UNAVAILABLE');
    const report = `${log.join('; ')}; ${answerTimeline(heard, apis.length, killedAt, failedOverAt)}`;
    expect(
      heard.filter((h) => !ANSWERS[h.what].includes(h.answer)),
      report,
    ).toEqual([]);
    // Bookings were refused while the failover was under way.
    expect(unavailable.length, report).toBeGreaterThan(0);
    // SERVICE_UNAVAILABLE only while Redis was failing over: none before the kill, and none to a
    // call sent through a process after it booked that event again on the promoted replica.
    const recovered = (via: number, eventId?: string) =>
      Math.min(
        ...heard
          .filter(
            (h) =>
              h.what === 'create' &&
              h.answer === 'ok' &&
              h.via === via &&
              h.askedAt >= failedOverAt &&
              (eventId === undefined || h.eventId === eventId),
          )
          .map((h) => h.answeredAt),
      );
    for (const via of apis.keys()) expect(recovered(via), report).toBeLessThan(Infinity);
    expect(
      unavailable.filter(
        (h) =>
          h.answeredAt < killedAt ||
          h.askedAt >= Math.min(recovered(h.via, h.eventId), recovered(h.via) + RECOVERY_GRACE_MS),
      ),
      report,
    ).toEqual([]);

    // Never over capacity at any instant, never a half-applied batch; sold out exactly.
    for (const [i, event] of events.entries()) {
      const taken = samples[i] ?? [];
      expect(taken.length).toBeGreaterThan(0);
      for (const sample of taken) {
        expect(sample.taken).toBeLessThanOrEqual(event.capacity);
        expect(sample.booked).toBe(sample.taken);
      }
      const inventory = await db
        .selectFrom('event_inventory')
        .select(['capacity', 'confirmed', 'held'])
        .where('event_id', '=', event.id)
        .executeTakeFirstOrThrow();
      // Paid holds were all confirmed by their payments.
      expect(inventory).toEqual({ capacity: event.capacity, confirmed: event.capacity, held: 0 });
      const { live } = await db
        .selectFrom('bookings')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('quantity'), sql<string>`0`).as('live'))
        .where('event_id', '=', event.id)
        .where('status', 'in', ['pending', 'confirmed'])
        .executeTakeFirstOrThrow();
      expect(Number(live)).toBe(event.capacity);
    }
    // The books hold exactly what callers were told (first tries and idempotent retries).
    expect(
      await phantomProblems(
        db,
        sale.calls,
        events.map((e) => e.id),
      ),
    ).toEqual([]);
    await expectAuditAndOutboxMatchBookings(db);

    // Nothing lost: every outbox event is relayed and reaches every consumer, without a restart.
    // If not, the processes' last words say why (the relay runs in the API processes, the
    // consumers and the reconciler in the worker).
    const lastWords = () =>
      [
        ...apis.map(
          (api) => `--- API ${api.name}:\n${(api.proc.stdout() + api.proc.stderr()).slice(-3_000)}`,
        ),
        `--- worker:\n${worker?.output().slice(-3_000)}`,
      ].join('\n');
    await expect
      .poll(
        async () => {
          const { rows } = await sql<{ n: string }>`
            SELECT count(*) AS n FROM outbox WHERE relayed_at IS NULL`.execute(db);
          return { unrelayed: Number(rows[0]?.n), undelivered: await undelivered(db) };
        },
        { timeout: DELIVERY_TIMEOUT_MS, interval: 250 },
      )
      .toEqual({ unrelayed: 0, undelivered: 0 })
      .catch((error: unknown) => {
        throw new Error(
          `${error instanceof Error ? error.message : String(error)}\n${lastWords()}`,
        );
      });
    const { rows: redriven } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM outbox WHERE redeliveries > 0`.execute(db);
    stamp(`outbox delivered (${redriven[0]?.n} events enqueued again by the reconciler)`);

    // Both processes book on the failed-over slots: an event whose lock lives on the promoted
    // replica (it serves the victim's slots now).
    const promoted = await cluster.masterOf(lockKeyOf(events[0]?.id ?? ''));
    expect(promoted).not.toBe(victim);
    const probe = await publishedEventOn(promoted, false);
    for (const [i, api] of apis.entries()) {
      // Ready by itself (its checks ping the cluster and the queue), and booking.
      await expect
        .poll(async () => (await fetch(`${api.url}/health/ready`)).status, { timeout: 15_000 })
        .toBe(200);
      const user = attendees[i] ?? attendees[0];
      if (!user) throw new Error('no attendee');
      const outcome = await outcomeOf(
        clientOf(api, user).bookings.create.mutate({
          eventId: probe.id,
          quantity: 1,
        }),
      );
      expect(outcome).toMatchObject({ kind: 'answered', value: { eventId: probe.id } });
    }
    await expectAuditAndOutboxMatchBookings(db);

    // Nobody exited or was restarted.
    expect(exits).toEqual([]);
    expect(worker?.exit, worker?.output().slice(-3_000)).toBeUndefined();
    expect(worker?.starts).toBe(1);
    stamp('probes booked');
    console.info(
      `redis cluster failover (seed ${SEED}): ${log.join('; ')}; ${answerTimeline(heard, apis.length, killedAt, failedOverAt)}; ${sale.calls.length} calls, ${ok()} bookings`,
    );
  }, 300_000);
});

/**
 * Resolves when one of `keys` is next written on the node at `port` — a lock taken (or its lease
 * renewed: redlock does both with SET) there — as that node's keyspace notifications tell, the
 * moment it happens. (Polling for the key saw a batch's short hold only after seconds of load.)
 */
async function nextLockWrite(port: number, keys: readonly string[]): Promise<void> {
  const node = createRedis(`redis://127.0.0.1:${port}`, 'subscriber');
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // K: keyspace channels; $: string commands. The node is the test's own.
    await node.config('SET', 'notify-keyspace-events', 'K$');
    const written = new Promise<void>((resolve, reject) => {
      node.on('message', (_channel: string, event: string) => {
        if (event === 'set') resolve();
      });
      timer = setTimeout(() => reject(new Error(`no lock taken on ${port} in 30 s`)), 30_000);
    });
    await node.subscribe(...keys.map((key) => `__keyspace@0__:${key}`));
    await written;
  } finally {
    clearTimeout(timer);
    node.disconnect();
  }
}

/**
 * For the report: how often each answer came, when the refusals came (ms after the kill) and
 * when each process first booked after the failover.
 */
function answerTimeline(
  heard: ReadonlyArray<HeardAnswer & { answeredAt: number }>,
  processes: number,
  killedAt: number,
  failedOverAt: number,
): string {
  const tally: Record<string, number> = {};
  for (const h of heard) tally[`${h.what} ${h.answer}`] = (tally[`${h.what} ${h.answer}`] ?? 0) + 1;
  const after = (at: number) => `+${at - killedAt} ms`;
  const refused = heard.filter((h) => h.answer === 'SERVICE_UNAVAILABLE').map((h) => h.answeredAt);
  const firstBookings = Array.from({ length: processes }, (_, via) =>
    Math.min(
      ...heard
        .filter(
          (h) =>
            h.via === via && h.what === 'create' && h.answer === 'ok' && h.askedAt >= failedOverAt,
        )
        .map((h) => h.answeredAt),
    ),
  );
  return (
    `answers ${JSON.stringify(tally)}; failover done ${after(failedOverAt)}; ` +
    `SERVICE_UNAVAILABLE from ${after(Math.min(...refused))} to ${after(Math.max(...refused))}; ` +
    `first booking after it per process: ${firstBookings.map(after).join(', ')}`
  );
}
