import { intBetween } from '@evently/platform';

/**
 * Hold and offer lifetimes: the API makes holds and offers, the worker expires them and makes
 * offers too — both read this one definition.
 */
export const bookingsEnvShape = {
  BOOKING_HOLD_MINUTES: intBetween(1, 24 * 60, 15),
  WAITLIST_OFFER_MINUTES: intBetween(1, 7 * 24 * 60, 30),
};
