import { type Consumer, defineConsumer } from '@evently/platform';
import type { BookingsWorkerService } from './bookings.service.js';

/** The bookings module's reaction to other modules' events, exactly once per event. */
export function createBookingsConsumer(bookings: BookingsWorkerService): Consumer {
  return defineConsumer({
    name: 'bookings',
    topics: ['event.cancelled'],
    handle: (trx, event) =>
      bookings.onEventCancelled(trx, {
        eventId: event.payload.eventId,
        reason: event.payload.reason,
      }),
  });
}
