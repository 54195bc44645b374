// What the load clients (the plain HTTP driver and the SDK's) send to `bookings.create`: one
// seat of the event's only type (Part 1's call), or an order of items, some with a voucher code.

/** What each call orders when it is more than one seat of the event's only type. */
export interface BookingOrder {
  items: { ticketTypeId: string; quantity: number }[];
  /** Sent on every other call of each user (its first call goes without). */
  voucherCode?: string;
  /** What a served order answers: 'pending' (a hold) when it costs anything. */
  status: 'confirmed' | 'pending';
}

export type BookingInput =
  | { eventId: string; quantity: number }
  | {
      eventId: string;
      items: BookingOrder['items'];
      voucherCode?: string;
    };

/** The input of a user's `call`-th booking (from 0) on `eventId`: `order`, or one seat. */
export function bookingInput(
  eventId: string,
  order: BookingOrder | undefined,
  call: number,
): BookingInput {
  if (!order) return { eventId, quantity: 1 };
  const code = order.voucherCode;
  // Alternating per user: half the orders carry the code, whatever the number of users.
  return code !== undefined && call % 2 === 1
    ? { eventId, items: order.items, voucherCode: code }
    : { eventId, items: order.items };
}
