import type { EventlyClient } from '@evently/sdk';
import type { BookingOrder } from './booking-order.js';
import { BENCH_CAPACITY } from './hot-event-setup.js';

// The typed hot event (issue 15): two public types at different prices, a quota both count
// against (under the event's capacity) and a percent-off voucher for both, made through the
// procedures an organizer uses. Every order is one seat of each type, every other one with the
// code.

/**
 * Cents. Free by default, as the plain hot event's bookings are: the same measurement, only the
 * order differs (a booking that costs nothing confirms at once). `BENCH_TYPED_PRICED=1` prices
 * the types, so every order is a hold with its exact expiry job (a different measurement).
 */
export const TYPED_PRICES: readonly number[] =
  process.env.BENCH_TYPED_PRICED === '1' ? [2_500, 4_000] : [0, 0];
export const TYPED_PERCENT_OFF = 10;
/** Below the capacity, so the quota is the binding count; far above what a run sells. */
export const TYPED_QUOTA_SIZE = 900_000;
/** The most the contract allows (MAX_VOUCHER_USES): no run of the bench uses it up. */
export const TYPED_VOUCHER_USES = 1_000_000;

export interface TypedEvent {
  eventId: string;
  /** Type A then type B, each with its price. */
  types: { id: string; priceCents: number }[];
  quotaId: string;
  voucher: { id: string; code: string; percentOff: number };
  /** How each booking answers: a hold while its order costs anything. */
  status: 'confirmed' | 'pending';
}

/** A published typed event per title, each with its own types, quota and voucher. */
export async function publishTypedEvents(
  organizer: EventlyClient,
  titles: string[],
): Promise<TypedEvent[]> {
  const startsAt = new Date(Date.now() + 30 * 86_400_000);
  const out: TypedEvent[] = [];
  for (const [n, title] of titles.entries()) {
    const event = await organizer.events.create.mutate({
      title,
      venue: 'Bench hall',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
      capacity: BENCH_CAPACITY,
      priceCents: 0,
      currency: 'EUR',
      // One seat of each type.
      maxPerBooking: 2,
    });
    const types = [];
    for (const [i, priceCents] of TYPED_PRICES.entries()) {
      const type = await organizer.ticketTypes.create.mutate({
        eventId: event.id,
        name: `Type ${'AB'[i]}`,
        priceCents,
      });
      types.push({ id: type.id, priceCents });
    }
    const ticketTypeIds = types.map((t) => t.id);
    const quota = await organizer.quotas.create.mutate({
      eventId: event.id,
      name: 'A and B',
      size: TYPED_QUOTA_SIZE,
      ticketTypeIds,
    });
    const [voucher] = await organizer.vouchers.create.mutate({
      eventId: event.id,
      code: `bench-typed-${n + 1}`,
      maxUses: TYPED_VOUCHER_USES,
      ticketTypeIds,
      effect: { kind: 'percent', percent: TYPED_PERCENT_OFF },
    });
    if (!voucher) throw new Error('vouchers.create answered no voucher');
    await organizer.events.publish.mutate({ id: event.id });
    out.push({
      eventId: event.id,
      types,
      quotaId: quota.id,
      voucher: { id: voucher.id, code: voucher.code, percentOff: TYPED_PERCENT_OFF },
      status: types.every((t) => t.priceCents === 0) ? 'confirmed' : 'pending',
    });
  }
  return out;
}

/** The order the clients send on a typed event: A×1 + B×1, the code on every other call. */
export function typedOrder(typed: TypedEvent): BookingOrder {
  return {
    items: typed.types.map((t) => ({ ticketTypeId: t.id, quantity: 1 })),
    voucherCode: typed.voucher.code,
    status: typed.status,
  };
}
