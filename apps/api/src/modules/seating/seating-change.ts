import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { asMember, authorize } from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Principal } from '../../kernel/principal.js';
import { lockInventoryForChange } from '../bookings/inventory-change.js';
import { seatingRepository as repo, type SeatingEvent } from './seating.repository.js';

/** What the seating services are built from. */
export interface SeatingDeps {
  db: Kysely<Database>;
  roles: MemberRoles;
  now: Clock;
}

/**
 * Runs `change` — anything that changes which seats the allocator may sell: the plan, a block —
 * in one transaction that:
 *
 * 1. holds the event's row (FOR SHARE: not published, cancelled or changed meanwhile) and lets
 *    the caller do it (`event.manageSeating`, by the roles read before the transaction: inside
 *    it, a cache miss would wait for a second pooled connection);
 * 2. refuses a cancelled or completed event (INVALID_STATE): what it sold is settled;
 * 3. locks the event's `event_inventory` row and moves its version before anything else (the
 *    lock order: that row, then what it covers — the plan row next): an allocator batch decided
 *    on the old seats loses its race, and a seat's live allocations, read after this lock, stay
 *    as read until the commit. A draft has no row and sells nothing.
 */
export async function changeSeating<T>(
  deps: SeatingDeps,
  principal: Principal,
  eventId: string,
  change: (trx: Transaction<Database>, event: SeatingEvent) => Promise<T>,
): Promise<T> {
  const seen = await deps.roles.of(principal);
  return deps.db.transaction().execute(async (trx) => {
    const event = await repo.lockEvent(trx, eventId);
    if (!event) throw new AppError('NOT_FOUND', 'Event not found');
    authorize(principal, 'event.manageSeating', asMember(event, seen));
    if (event.status === 'cancelled' || event.status === 'completed') {
      throw new AppError('INVALID_STATE', `The seats of a ${event.status} event cannot be changed`);
    }
    await lockInventoryForChange(trx, eventId);
    return change(trx, event);
  });
}
