import type { RouterOutputs } from '@evently/sdk';

type BookingStatus = RouterOutputs['bookings']['listForEvent']['items'][number]['status'];
type WaitlistStatus = RouterOutputs['bookings']['waitlist']['forEvent']['items'][number]['status'];
type Tone = 'ok' | 'warn' | 'bad' | 'info';

/** A booking's status: its tag's tone and the word shown (the word carries the meaning). */
export const BOOKING_STATUS: Record<BookingStatus, { tone: Tone; label: string }> = {
  pending: { tone: 'warn', label: 'Pending' },
  confirmed: { tone: 'ok', label: 'Confirmed' },
  cancelled: { tone: 'bad', label: 'Cancelled' },
  expired: { tone: 'info', label: 'Expired' },
};

export const BOOKING_STATUSES = Object.keys(BOOKING_STATUS) as BookingStatus[];

/** A waitlist entry's status, in words. */
export const WAITLIST_STATUS: Record<WaitlistStatus, { tone: Tone; label: string }> = {
  waiting: { tone: 'info', label: 'Waiting' },
  offered: { tone: 'warn', label: 'Offered a booking' },
  converted: { tone: 'ok', label: 'Booked' },
  expired: { tone: 'bad', label: 'Offer expired' },
  left: { tone: 'info', label: 'Left the line' },
  closed: { tone: 'info', label: 'Closed' },
};

/** An id short enough for a table cell (the full one is in the cell's title and the CSV). */
export function shortId(id: string): string {
  return id.slice(0, 8);
}
