import type { Database } from '@evently/db';
import type { RateLimiterFactory } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Module } from '../../kernel/module.js';
import type { InventoryService } from '../bookings/inventory.service.js';
import { createVoucherCheck } from './voucher-check.js';
import { createVoucherCheckLimits } from './voucher-check-limits.js';
import { createVouchersService, type VouchersService } from './vouchers.service.js';

/**
 * An event's vouchers: promo codes, access codes and reserved contingents, which the allocator
 * redeems (bookings module); and the public, rate-limited check of a code.
 */
export function createVouchersModule(deps: {
  db: Kysely<Database>;
  rateLimits: RateLimiterFactory;
  roles: MemberRoles;
  inventory: Pick<InventoryService, 'serveWaitlist'>;
  now: Clock;
}): Module<VouchersService> {
  const limits = createVoucherCheckLimits(deps.rateLimits);
  const check = createVoucherCheck({ db: deps.db, limits, now: deps.now });
  return {
    service: createVouchersService({
      db: deps.db,
      roles: deps.roles,
      inventory: deps.inventory,
      now: deps.now,
      check,
      guesses: limits,
    }),
    async close() {},
  };
}
