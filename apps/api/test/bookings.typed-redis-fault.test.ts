import { setTimeout as sleep } from 'node:timers/promises';
import type { Booking } from '@evently/contracts';
import type { RedisServer } from '@evently/platform/testing';
import { describe, expect, it, vi } from 'vitest';
import { useApiCluster } from './api-cluster.fixtures.js';
import { type ApiProcess, clientOf } from './api-cluster.js';
import { type Outcome, outcomeOf } from './app-error.js';
import {
  expectAuditAndOutboxMatchBookings,
  expectCountersMatchBookings,
} from './booking-ledger.js';
import { typedEvent, VOUCHER_USES } from './typed-event.fixtures.js';

// Typed orders while Redis dies: two API processes on a THROWAWAY redis-server, every batch under
// the event lock, 1,000 concurrent orders over three types, shared quotas and a 50-use voucher;
// Redis is SIGKILLed once orders flow and comes back empty. Postgres alone keeps every quota and
// the voucher: each caller gets a booking or a refusal the rules name, or SERVICE_UNAVAILABLE
// (which wrote nothing), and every count agrees after.
const USERS = 100;
const ORDERS_PER_USER = 10;
const OUTAGE_MS = 1_500;
const ANSWERS = ['booked', 'SOLD_OUT', 'VOUCHER_EXHAUSTED', 'SERVICE_UNAVAILABLE'];

describe('typed orders while Redis dies: two API processes on a throwaway redis-server', () => {
  const cast = useApiCluster({
    database: 'bookings_typed_redis_fault',
    attendees: USERS,
    redis: 'throwaway',
    logLevel: 'error',
    env: { BOOKING_EVENT_LOCK: 'always' },
  });

  it.each([{ priced: true }, { priced: false }])(
    'Redis killed mid-sale and back empty (priced: $priced): no quota over its size, the voucher at most 50 times, every count agrees',
    async ({ priced }) => {
      const { apis, attendees, db, organizer, redisServer } = cast();
      if (!redisServer) throw new Error('a throwaway redis-server was asked for');
      const redis: RedisServer = redisServer;
      // The previous case's restart may still be reconnecting the processes: retry the setup.
      const { eventId, types, code } = await vi.waitFor(() => typedEvent(organizer, db, priced), {
        timeout: 15_000,
        interval: 200,
      });
      const kinds = [types.ga, types.early, types.vip];
      let answered = 0;
      const orders = attendees.flatMap((user) =>
        Array.from({ length: ORDERS_PER_USER }, () => {
          const first = Math.floor(Math.random() * kinds.length);
          const lines = Math.random() < 0.5 ? [first] : [first, (first + 1) % kinds.length];
          const api = apis[Math.floor(Math.random() * apis.length)] as ApiProcess;
          const voucher = Math.random() < 0.5;
          return async (): Promise<Outcome<Booking>> => {
            const outcome = await outcomeOf(
              clientOf(api, user).bookings.create.mutate({
                eventId,
                items: lines.map((k) => ({
                  ticketTypeId: kinds[k] as string,
                  quantity: 1 + Math.floor(Math.random() * 3),
                })),
                ...(voucher ? { voucherCode: code } : {}),
              }),
            );
            answered += 1;
            return outcome;
          };
        }),
      );
      // Orders go out in waves of 50, so some are in flight when Redis dies.
      const outcomes: Outcome<Booking>[] = [];
      const sending = (async () => {
        for (let i = 0; i < orders.length; i += 50) {
          outcomes.push(...(await Promise.all(orders.slice(i, i + 50).map((order) => order()))));
        }
      })();
      await vi.waitFor(() => expect(answered).toBeGreaterThanOrEqual(100), {
        timeout: 60_000,
        interval: 5,
      });
      await redis.kill();
      await sleep(OUTAGE_MS);
      await redis.restart();
      await sending;

      const codes = outcomes.map((o) => (o.kind === 'answered' ? 'booked' : o.code));
      expect(codes.filter((c) => !ANSWERS.includes(c))).toEqual([]);
      expect(codes).toContain('booked');
      // The outage was met: callers were told to retry while Redis was away.
      expect(codes).toContain('SERVICE_UNAVAILABLE');
      const booked = outcomes.flatMap((o) => (o.kind === 'answered' ? [o.value] : []));
      const rows = await db
        .selectFrom('bookings')
        .select('id')
        .where('event_id', '=', eventId)
        .execute();
      // A SERVICE_UNAVAILABLE wrote nothing: the books hold exactly what callers were told.
      expect(rows.map((r) => r.id).sort()).toEqual(booked.map((b) => b.id).sort());
      const quotas = await db
        .selectFrom('quotas')
        .select(['size', 'confirmed', 'held'])
        .where('event_id', '=', eventId)
        .execute();
      for (const q of quotas) expect(q.confirmed + q.held).toBeLessThanOrEqual(q.size);
      const voucher = await db
        .selectFrom('vouchers')
        .select('used')
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow();
      expect(voucher.used).toBeLessThanOrEqual(VOUCHER_USES);
      expect(voucher.used).toBe(booked.filter((b) => b.voucherCode === code).length);
      await expectCountersMatchBookings(db);
      await expectAuditAndOutboxMatchBookings(db);
    },
    120_000,
  );
});
