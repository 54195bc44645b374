import { intBetween } from '@evently/platform';
import { z } from 'zod';

/**
 * Hold and offer lifetimes: the API makes holds and offers, the worker expires them and makes
 * offers too — both read this one definition.
 */
export const bookingsEnvShape = {
  BOOKING_HOLD_MINUTES: intBetween(1, 24 * 60, 15),
  WAITLIST_OFFER_MINUTES: intBetween(1, 7 * 24 * 60, 30),
  /**
   * When a booking batch takes its event's Redis lock: only once the event is contended (a
   * version race lost across processes), or always (every batch waits for the lock).
   */
  BOOKING_EVENT_LOCK: z.enum(['contended', 'always']).default('contended'),
};
