import { randomUUID } from 'node:crypto';
import type { Booking } from '@evently/contracts';
import { createMemoryQueue, createRedisLocks } from '@evently/platform';
import { connectTestRedis } from '@evently/platform/testing';
import { TableNode, UpdateQueryNode } from 'kysely';
import { describe, expect, it } from 'vitest';
import { AppError } from '../src/kernel/app-error.js';
import { createBookingsService } from '../src/modules/bookings/bookings.service.js';
import { createPaymentsService } from '../src/modules/payments/payments.service.js';
import { createRefundLedger } from '../src/modules/payments/refund-ledger.js';
import { useApiCluster } from './api-cluster.fixtures.js';
import type { Caller } from './api-cluster.js';
import { expectAuditAndOutboxMatchBookings } from './booking-ledger.js';
import { silentLog } from './capture-log.js';
import { eventInput } from './event-input.js';
import { memberRolesFor } from './member-roles.js';

const MAX_PER_BOOKING = 3;

// Checkout churn: while a hot paid event sells, its holds are paid (which confirms them) and
// cancelled. Those are single-booking transactions that move seats on the same inventory row; a batch must not keep
// losing its version race to them (re-reading and backing off while it holds the event lock),
// so the allocator locks the row it reads. In process, with two allocators over Redis locks, to
// count the version races; the event itself is made over HTTP, through one API process.
describe('bookings: checkout churn during a sale', () => {
  const cast = useApiCluster({ database: 'bookings_churn', attendees: 20, names: ['A'] });

  it('holds confirmed and cancelled during the sale never make a batch lose its version race', async () => {
    const { attendees, db, organizer, prefix } = cast();
    const capacity = 300;
    const inventoryUpdates = new Set<unknown>();
    let lostRaces = 0;
    const observed = db.withPlugin({
      transformQuery({ node, queryId }) {
        if (
          UpdateQueryNode.is(node) &&
          node.table &&
          TableNode.is(node.table) &&
          node.table.table.identifier.name === 'event_inventory'
        ) {
          inventoryUpdates.add(queryId);
        }
        return node;
      },
      // Only the allocator's version-checked update can match no row.
      async transformResult({ queryId, result }) {
        if (inventoryUpdates.delete(queryId) && result.numAffectedRows === 0n) lostRaces += 1;
        return result;
      },
    });
    const connections = [connectTestRedis(), connectTestRedis()];
    const instances = await Promise.all(
      connections.map(async (redis) => {
        const refunds = createRefundLedger({ stripeEnabled: false });
        const roles = memberRolesFor(observed);
        const now = () => new Date();
        const bookings = createBookingsService({
          db: observed,
          locks: await createRedisLocks(await redis, { prefix: `${prefix}:in-process:` }),
          queue: createMemoryQueue(),
          log: silentLog,
          holdMinutes: 15,
          offerMinutes: 30,
          roles,
          refunds,
          now,
        });
        const payments = createPaymentsService({
          db: observed,
          bookings,
          ledger: refunds,
          roles,
          log: silentLog,
          now,
        });
        return { bookings, payments };
      }),
    );
    try {
      const event = await organizer.events.create.mutate(
        eventInput({
          title: `Checkout churn ${randomUUID().slice(0, 8)}`,
          venue: 'Arena',
          capacity,
          priceCents: 1_000,
          maxPerBooking: MAX_PER_BOOKING,
        }),
      );
      await organizer.events.publish.mutate({ id: event.id });
      const eventId = event.id;
      // The organizer marks payments (a paid hold is confirmed by its payment, not its buyer).
      const cashier = {
        kind: 'user' as const,
        userId: (await organizer.auth.me.query()).id,
        role: 'organizer' as const,
        sessionId: randomUUID(),
      };
      const answers = new Map<string, number>();
      const count = (answer: string) => answers.set(answer, (answers.get(answer) ?? 0) + 1);
      const answerOf = (error: unknown) =>
        error instanceof AppError ? error.appCode : `unexpected: ${String(error)}`;
      // 600 bookings arriving over ~600 ms; each hold is at once paid (2 in 3, marked by the
      // organizer) or cancelled (1 in 3) by its owner through the other instance, freeing seats
      // for later requests.
      await Promise.all(
        Array.from({ length: 600 }, async (_, i) => {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 600));
          const user = attendees[i % attendees.length] as Caller;
          const principal = {
            kind: 'user' as const,
            userId: user.userId,
            role: 'user' as const,
            sessionId: randomUUID(),
          };
          const [here, there] = i % 2 === 0 ? instances : [...instances].reverse();
          if (!here || !there) throw new Error('two instances expected');
          let booking: Booking;
          try {
            booking = await here.bookings.create(principal, { eventId, quantity: 1 + (i % 3) });
            count('booked');
          } catch (error) {
            count(answerOf(error));
            return;
          }
          try {
            if (i % 3 === 0) await there.bookings.cancel(principal, { bookingId: booking.id });
            else {
              await there.payments.markPaid(cashier, {
                bookingId: booking.id,
                amountCents: booking.totalCents,
                currency: booking.currency,
                method: 'card',
                reference: `churn-${i}`,
              });
            }
            count(i % 3 === 0 ? 'cancelled' : 'confirmed');
          } catch (error) {
            count(`then ${answerOf(error)}`);
          }
        }),
      );
      const tally = Object.fromEntries(answers);
      expect(Object.keys(tally).sort()).toEqual(
        ['SOLD_OUT', 'booked', 'cancelled', 'confirmed'].filter((k) => k in tally).sort(),
      );
      expect(tally.booked).toBe((tally.cancelled ?? 0) + (tally.confirmed ?? 0));
      expect(tally.cancelled).toBeGreaterThan(0);
      expect(lostRaces).toBe(0);

      const rows = await db
        .selectFrom('bookings')
        .select(['id', 'status', 'quantity'])
        .where('event_id', '=', eventId)
        .execute();
      expect(rows).toHaveLength(tally.booked ?? 0);
      const seatsIn = (status: string) =>
        rows.filter((r) => r.status === status).reduce((sum, r) => sum + r.quantity, 0);
      expect(seatsIn('pending')).toBe(0);
      expect(
        await db
          .selectFrom('event_inventory')
          .select(['confirmed', 'held'])
          .where('event_id', '=', eventId)
          .executeTakeFirstOrThrow(),
      ).toEqual({ confirmed: seatsIn('confirmed'), held: 0 });
      expect(seatsIn('confirmed')).toBeLessThanOrEqual(capacity);
      await expectAuditAndOutboxMatchBookings(db);
      console.info(`checkout churn: ${JSON.stringify(tally)}, ${lostRaces} lost version races`);
    } finally {
      for (const redis of connections) (await redis).disconnect();
    }
  });
});
