import { AppError } from '../../kernel/app-error.js';
import type { SeatIndex } from '../seating/seat-index.js';

/** A line of an order as its seats see it: named seats, or a group seated best-available. */
export interface SeatedLineRequest {
  ticketTypeId: string;
  quantity: number;
  /** Exactly these seats, all or none. */
  seatIds?: readonly string[] | undefined;
  /** Default true: the group sits together or not at all (`SEATS_NOT_TOGETHER`). */
  together?: boolean | undefined;
}

/** The seats an order took, per line, in the order of its lines (empty for unseated types). */
export type OrderSeats = string[][];

/**
 * The seats of an order's lines, taken from the batch's seat index — all of them, or none (a
 * refused line gives back what the lines before it took). A line of a type with seats in the
 * plan names its seats or gets the best available ones; a line of another type takes none.
 * Decided in the batch, in arrival order, so two orders of a batch never take the same seat;
 * the live-allocation index on `seat_allocations` is the proof when the batch is written.
 */
export function seatOrder(
  lines: readonly SeatedLineRequest[],
  seats: SeatIndex | undefined,
  seatedTypes: ReadonlySet<string>,
): OrderSeats | AppError {
  const taken: OrderSeats = [];
  const refuse = (error: AppError) => {
    seats?.release(taken.flat());
    return error;
  };
  for (const line of lines) {
    if (!seats || !seatedTypes.has(line.ticketTypeId)) {
      if (line.seatIds?.length) {
        return refuse(new AppError('VALIDATION_FAILED', 'This ticket type has no seats to pick'));
      }
      taken.push([]);
      continue;
    }
    if (line.seatIds) {
      if (line.seatIds.length !== line.quantity || new Set(line.seatIds).size !== line.quantity) {
        return refuse(new AppError('VALIDATION_FAILED', 'Name one different seat per ticket'));
      }
      // A seat of another type is not available to this line (its price and quotas differ).
      const foreign = line.seatIds.filter(
        (id) => seats.seat(id) !== undefined && seats.seat(id)?.ticketTypeId !== line.ticketTypeId,
      );
      const unavailable = foreign.length > 0 ? foreign : seats.takeSeats(line.seatIds);
      if (unavailable.length > 0) {
        return refuse(
          new AppError('SEAT_UNAVAILABLE', 'Some of these seats are not available', {
            seatIds: unavailable,
          }),
        );
      }
      taken.push([...line.seatIds]);
      continue;
    }
    const chosen = seats.bestAvailable({
      ticketTypeId: line.ticketTypeId,
      count: line.quantity,
      together: line.together ?? true,
    });
    if (chosen === 'not-together') {
      return refuse(
        new AppError('SEATS_NOT_TOGETHER', 'No row seats this group together', {
          ticketTypeId: line.ticketTypeId,
        }),
      );
    }
    if (chosen === 'sold-out') {
      return refuse(
        new AppError('SOLD_OUT', 'Not enough seats left', {
          ticketTypeId: line.ticketTypeId,
          available: seats.freeCount(line.ticketTypeId),
        }),
      );
    }
    taken.push(chosen);
  }
  return taken;
}
