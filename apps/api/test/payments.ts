import type { Booking } from '@evently/contracts';
import type { EventlyClient } from '@evently/sdk';

/**
 * A paid booking confirmed the way it now must be: its organizer (a manager of the event's
 * organization) marks its payment — the exact total, in its currency.
 */
export function payFor(
  organizer: EventlyClient,
  booking: Pick<Booking, 'id' | 'totalCents' | 'currency'>,
  reference = `receipt-${booking.id.slice(0, 8)}`,
): Promise<Booking> {
  return organizer.payments.markPaid.mutate({
    bookingId: booking.id,
    amountCents: booking.totalCents,
    currency: booking.currency,
    method: 'cash',
    reference,
  });
}
