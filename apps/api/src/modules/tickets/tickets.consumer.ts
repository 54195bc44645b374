import { type Consumer, defineConsumer } from '@evently/platform';
import type { Clock } from '../../kernel/clock.js';
import type { TicketsIssuer } from './tickets.service.js';

/**
 * Tickets follow their booking, exactly once per event: a confirmed booking gets one ticket per
 * seat or unit, a cancelled one's are void. Each is decided by the booking's state when the
 * event is handled (a cancellation handled first leaves nothing to issue), and issuing is keyed
 * by unit, so a redelivery changes nothing.
 */
export function createTicketsConsumer(tickets: TicketsIssuer, now: Clock): Consumer {
  return defineConsumer({
    name: 'tickets',
    topics: ['booking.confirmed', 'booking.cancelled'],
    handle: async (trx, event) => {
      const bookingIds = [event.payload.bookingId];
      if (event.topic === 'booking.confirmed') await tickets.issue(trx, bookingIds, now());
      else await tickets.void(trx, bookingIds, now());
    },
  });
}
