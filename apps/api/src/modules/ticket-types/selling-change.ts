import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { asMember, authorize } from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Principal } from '../../kernel/principal.js';
import type { InventoryService } from '../bookings/inventory.service.js';
import { lockInventoryForChange } from '../bookings/inventory-change.js';
import { ticketTypesRepository as repo, type SellingEvent } from './ticket-types.repository.js';

/** What the ticket types' and quotas' services are built from. */
export interface SellingDeps {
  db: Kysely<Database>;
  roles: MemberRoles;
  /** Serves the waitlist when a change frees seats. */
  inventory: Pick<InventoryService, 'serveWaitlist'>;
  now: Clock;
}

/**
 * Runs `change` — anything that changes what the allocator reads of an event: its types'
 * prices, limits, windows, status or visibility, its quotas and their types — in one
 * transaction that:
 *
 * 1. holds the event's row (FOR SHARE: it is not published, cancelled or changed meanwhile, see
 *    `lockEvent`) and lets the caller do it (`event.manageTicketTypes`, by the roles read before
 *    the transaction: inside it, a cache miss would wait for a second pooled connection);
 * 2. refuses a cancelled or completed event (INVALID_STATE): what it sold is settled;
 * 3. locks the event's `event_inventory` row and moves its version BEFORE anything it covers is
 *    touched (the lock order: that row, then quotas): an allocator batch decided on the old
 *    types or quotas loses its race and is decided again. A draft has no row and sells nothing.
 */
export async function changeSelling<T>(
  deps: SellingDeps,
  principal: Principal,
  eventId: string,
  change: (trx: Transaction<Database>, event: SellingEvent) => Promise<T>,
): Promise<T> {
  const seen = await deps.roles.of(principal);
  const { result, afterCommit } = await deps.db.transaction().execute(async (trx) => {
    const event = await repo.lockEvent(trx, eventId);
    if (!event) throw new AppError('NOT_FOUND', 'Event not found');
    authorize(principal, 'event.manageTicketTypes', asMember(event, seen));
    if (event.status === 'cancelled' || event.status === 'completed') {
      throw new AppError(
        'INVALID_STATE',
        `The ticket types and quotas of a ${event.status} event cannot be changed`,
      );
    }
    const opened = await lockInventoryForChange(trx, eventId);
    const result = await change(trx, event);
    // Seats a change frees (a quota raised, a type's window opened) go to the waiting lines.
    const served = opened ? await deps.inventory.serveWaitlist(trx, eventId) : undefined;
    return { result, afterCommit: served?.afterCommit };
  });
  afterCommit?.();
  return result;
}
