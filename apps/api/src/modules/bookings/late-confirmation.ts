import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';
import { AppError } from '../../kernel/app-error.js';
import type { Actor, UserPrincipal } from '../../kernel/principal.js';
import { allocatorRepository } from './allocator.repository.js';
import { bookingLines } from './booking-items.repository.js';
import { type BookingRow, bookingsRepository as repo } from './bookings.repository.js';
import { type ConfirmAction, confirmHold } from './confirm-hold.js';
import { inventoryRepository as inventoryRepo } from './inventory.repository.js';
import { CREATE_SCOPE, decideBatch, type OrderRequest } from './order-decision.js';
import { HOLD, quotaSeatsRepository as quotaSeats } from './quota-seats.repository.js';
import { seatAllocationsRepository as seatAllocations } from './seat-allocations.repository.js';
import { loadSeatSnapshot } from './seat-snapshots.js';

/**
 * Whether an expired booking's seats can still be allocated: the allocator's own rule
 * (`decideBatch`) asked about the same order — its lines, its voucher, its buyer — over a
 * snapshot read with the event's inventory row locked. The lock is the row's, not Redis's: a
 * batch of the allocator writing meanwhile waits for this transaction, then finds the version
 * moved and decides again; the CHECKs stay the last line. Its reserved seats are asked for by
 * id: the buyer paid for those. Answers the seats to take again, or why it cannot be sold.
 */
async function stillAvailable(
  trx: Transaction<Database>,
  booking: BookingRow,
  holdMinutes: number,
  now: Date,
): Promise<AppError | { seatIds: string[] }> {
  // The event first (shared): a cancellation of it waits for this sale, and its consumer then
  // finds the booking live and refunds it; or it went first, and the sale sees it cancelled.
  await trx
    .selectFrom('events')
    .select('id')
    .where('id', '=', booking.event_id)
    .forShare()
    .execute();
  await trx
    .selectFrom('event_inventory')
    .select('event_id')
    .where('event_id', '=', booking.event_id)
    .forUpdate()
    .execute();
  const lines = (await bookingLines(trx, [booking.id])).get(booking.id);
  if (!lines) return new AppError('SOLD_OUT', 'Not enough seats left');
  // The buyer as the allocator sees any buyer: a signed-in user booking a published event.
  const principal: UserPrincipal = {
    kind: 'user',
    userId: booking.user_id,
    role: 'user',
    sessionId: '',
  };
  const held = await seatAllocations.seatsOf(trx, booking.id);
  const request: OrderRequest = {
    principal,
    items: lines.items.map((i) => {
      const seatIds = held.filter((s) => s.ticketTypeId === i.ticketTypeId).map((s) => s.seatId);
      return {
        ticketTypeId: i.ticketTypeId,
        quantity: i.quantity,
        ...(seatIds.length > 0 ? { seatIds } : {}),
      };
    }),
    ...(lines.voucherCode ? { voucherCode: lines.voucherCode } : {}),
    idempotencyKey: undefined,
    requestHash: `late:${booking.id}`,
  };
  const states = await allocatorRepository.readBatchStates(
    trx,
    [booking.event_id],
    CREATE_SCOPE,
    [booking.user_id],
    [],
    now,
    lines.voucherCode ? [lines.voucherCode] : [],
  );
  const read = states.get(booking.event_id);
  const seating = read && (await loadSeatSnapshot(trx, booking.event_id));
  const decided = decideBatch(booking.event_id, read && { ...read, seating }, [request], {
    now,
    holdMinutes,
  });
  if (decided.kind === 'write') return { seatIds: decided.seatAllocations.map((a) => a.seat_id) };
  const decision = decided.kind === 'forget-keys' ? undefined : decided.decisions[0];
  return decision?.ok === false
    ? decision.error
    : new AppError('SOLD_OUT', 'Not enough seats left');
}

/**
 * Money arrived for a booking (the caller's transaction has it locked): a pending booking is
 * confirmed — even past its expiry time, its seats are still its own until the expiry runs — and
 * an expired one is sold again as it was (its lines, its price: what was paid) when its seats can
 * still be allocated. Answers the confirmed booking, or why it cannot be.
 */
export async function confirmPaidBooking(
  trx: Transaction<Database>,
  booking: BookingRow,
  by: { actor: Actor; holdMinutes: number; now: Date },
): Promise<BookingRow | AppError> {
  const action: ConfirmAction = 'confirm-paid';
  if (booking.status === 'confirmed') return booking;
  if (booking.status === 'pending')
    return confirmHold(trx, booking, { ...by.actor, action }, by.now);
  if (booking.status === 'cancelled')
    return new AppError('INVALID_STATE', 'The booking was cancelled before it was paid');
  const available = await stillAvailable(trx, booking, by.holdMinutes, by.now);
  if (available instanceof AppError) return available;
  const sold = await repo.updateBookingStatus(
    trx,
    booking.id,
    'expired',
    { status: 'pending' },
    by.now,
  );
  if (!sold) return new AppError('INVALID_STATE', 'The booking changed meanwhile');
  // Held again for an instant, then confirmed by the one transition (events, audit, quotas).
  await inventoryRepo.adjustSeats(trx, booking.event_id, { confirmed: 0, held: booking.quantity });
  await seatAllocations.allocate(trx, booking.event_id, booking.id, available.seatIds, by.now);
  await quotaSeats.move(trx, [booking.id], HOLD);
  await quotaSeats.redeemAgain(trx, booking.id, by.now);
  return confirmHold(trx, sold, { ...by.actor, action: 'confirm-late-payment' }, by.now);
}
