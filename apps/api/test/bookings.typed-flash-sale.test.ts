import type { Booking } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import { useApiCluster } from './api-cluster.fixtures.js';
import { type ApiProcess, type Caller, clientOf } from './api-cluster.js';
import { type Outcome, outcomeOf } from './app-error.js';
import {
  expectAuditAndOutboxMatchBookings,
  expectCountersMatchBookings,
} from './booking-ledger.js';
import { typedEvent, VOUCHER_USES } from './typed-event.fixtures.js';

// Issue 15's promise under a flash sale: two API processes on one database and Redis prefix,
// 1,000 concurrent orders mixing three ticket types — two of them sharing a quota, one with a
// quota of its own — half of them with a voucher of 50 uses, ten times. No quota over its size,
// the voucher used at most 50 times, and bookings = lines = quota counters = audit = outbox.
const RUNS = 10;
const USERS = 200;
const ORDERS_PER_USER = 5;

interface Plan {
  user: Caller;
  api: ApiProcess;
  items: Array<{ ticketTypeId: string; quantity: number }>;
  voucher: boolean;
}

describe('typed orders under a flash sale: two API processes, 1,000 concurrent orders, 10 times', () => {
  const cast = useApiCluster({ database: 'bookings_typed_flash_sale', attendees: USERS });

  it.each(Array.from({ length: RUNS }, (_, i) => ({ run: i + 1, priced: i % 2 === 0 })))(
    'run $run (priced: $priced): no quota over its size, the voucher at most 50 times, every count agrees',
    async ({ priced }) => {
      const { apis, attendees, db, organizer } = cast();
      const { eventId, types, quotas, code } = await typedEvent(organizer, db, priced);
      const kinds = [types.ga, types.early, types.vip];
      const plans: Plan[] = attendees.flatMap((user) =>
        Array.from({ length: ORDERS_PER_USER }, () => {
          // One or two lines of different types, 1–3 seats each.
          const first = Math.floor(Math.random() * kinds.length);
          const lines = Math.random() < 0.5 ? [first] : [first, (first + 1) % kinds.length];
          return {
            user,
            api: apis[Math.floor(Math.random() * apis.length)] as ApiProcess,
            items: lines.map((k) => ({
              ticketTypeId: kinds[k] as string,
              quantity: 1 + Math.floor(Math.random() * 3),
            })),
            voucher: Math.random() < 0.5,
          };
        }),
      );
      const outcomes: Array<Plan & { outcome: Outcome<Booking> }> = await Promise.all(
        plans.map(async (plan) => ({
          ...plan,
          outcome: await outcomeOf(
            clientOf(plan.api, plan.user).bookings.create.mutate({
              eventId,
              items: plan.items,
              ...(plan.voucher ? { voucherCode: code.toUpperCase() } : {}),
            }),
          ),
        })),
      );

      // Every caller got a definite answer: a booking, or a refusal the rules name.
      const codes = new Set(
        outcomes.map((o) => (o.outcome.kind === 'answered' ? 'booked' : o.outcome.code)),
      );
      for (const c of codes) {
        expect(['booked', 'SOLD_OUT', 'VOUCHER_EXHAUSTED', 'VOUCHER_INVALID']).toContain(c);
      }
      expect(codes).toContain('booked');
      const booked = outcomes.flatMap((o) =>
        o.outcome.kind === 'answered' ? [o.outcome.value] : [],
      );
      const withVoucher = booked.filter((b) => b.voucherCode === code);
      expect(withVoucher.length).toBeLessThanOrEqual(VOUCHER_USES);

      const counts = await db
        .selectFrom('quotas')
        .select(['id', 'size', 'confirmed', 'held'])
        .where('event_id', '=', eventId)
        .execute();
      for (const q of counts) expect(q.confirmed + q.held).toBeLessThanOrEqual(q.size);
      const seatsOf = (typeIds: string[]) =>
        booked
          .flatMap((b) => b.items)
          .filter((i) => typeIds.includes(i.ticketTypeId))
          .reduce((n, i) => n + i.quantity, 0);
      const held = (id: string) => {
        const q = counts.find((c) => c.id === id);
        return (q?.confirmed ?? 0) + (q?.held ?? 0);
      };
      expect(held(quotas.standing)).toBe(seatsOf([types.ga, types.early]));
      expect(held(quotas.early)).toBe(seatsOf([types.early]));
      expect(held(quotas.vip)).toBe(seatsOf([types.vip]));
      const voucher = await db
        .selectFrom('vouchers')
        .select(['used', 'seats'])
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow();
      expect(voucher.used).toBe(withVoucher.length);
      // About 85 served orders carried its code: it ran out, and was refused after.
      expect(voucher.used).toBe(VOUCHER_USES);
      expect(codes).toContain('VOUCHER_EXHAUSTED');

      // What the callers were told is what the tables hold, line for line.
      const rows = await db
        .selectFrom('booking_items as i')
        .innerJoin('bookings as b', 'b.id', 'i.booking_id')
        .select(['b.id', 'i.ticket_type_id', 'i.quantity', 'i.total_cents'])
        .where('b.event_id', '=', eventId)
        .execute();
      expect(
        rows.map((r) => `${r.id}/${r.ticket_type_id}/${r.quantity}/${r.total_cents}`).sort(),
      ).toEqual(
        booked
          .flatMap((b) =>
            b.items.map((i) => `${b.id}/${i.ticketTypeId}/${i.quantity}/${i.totalCents}`),
          )
          .sort(),
      );
      await expectCountersMatchBookings(db);
      await expectAuditAndOutboxMatchBookings(db);
    },
    120_000,
  );
});
