import { randomUUID } from 'node:crypto';
import type { EventInput } from '@evently/contracts';

const HOUR = 3_600_000;

/**
 * A valid event a week or more ahead (callers override what matters to them). maxPerBooking is
 * at most 5 unless given; `maxPerBooking: undefined` leaves it to the server's default.
 */
export function eventInput(overrides: Partial<EventInput> = {}): EventInput {
  const startsAt = new Date(Date.now() + (7 * 24 + Math.floor(Math.random() * 500)) * HOUR);
  return {
    title: `Show ${randomUUID().slice(0, 8)}`,
    venue: 'Hall',
    description: '',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 2 * HOUR).toISOString(),
    capacity: 10,
    priceCents: 1500,
    currency: 'EUR',
    ...overrides,
    maxPerBooking:
      'maxPerBooking' in overrides
        ? overrides.maxPerBooking
        : Math.min(5, overrides.capacity ?? 10),
  };
}
