import { pino } from 'pino';
import {
  type BookingsWorkerService,
  createBookingsService,
} from '../src/modules/bookings/bookings.service.js';
import { createRefundLedger } from '../src/modules/payments/refund-ledger.js';
import type { TestApp } from './harness.js';
import { memberRolesFor } from './member-roles.js';

/** The worker's bookings service (its scheduled jobs) over a test app, on the test's clock. */
export function bookingsJobs(app: TestApp, now: () => Date): BookingsWorkerService {
  return createBookingsService({
    db: app.db.handle.db,
    locks: app.platform.locks,
    queue: app.platform.queue,
    log: pino({ level: 'silent' }),
    holdMinutes: 15,
    offerMinutes: 30,
    roles: memberRolesFor(app.db.handle.db),
    refunds: createRefundLedger({ stripeEnabled: false }),
    now,
  });
}
