import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import { asMember, authorize } from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Principal } from '../../kernel/principal.js';
import type { InventoryService } from '../bookings/inventory.service.js';
import { lockInventoryForChange } from '../bookings/inventory-change.js';
import { vouchersRepository as repo, type VoucherEventRow } from './vouchers.repository.js';

/** What the vouchers' services are built from. */
export interface VoucherDeps {
  db: Kysely<Database>;
  roles: MemberRoles;
  /** Serves the waitlist when a change frees seats. */
  inventory: Pick<InventoryService, 'serveWaitlist'>;
  now: Clock;
}

/**
 * Runs `change` — anything that changes an event's vouchers — in one transaction that:
 *
 * 1. holds the event's row (FOR SHARE: it is not published, cancelled or resized meanwhile, see
 *    `lockEvent`) and lets the caller do it (`event.manageVouchers`, by the roles read before
 *    the transaction: inside it, a cache miss would wait for a second pooled connection);
 * 2. refuses a cancelled or completed event (INVALID_STATE): what it sold is settled;
 * 3. locks the event's `event_inventory` row and moves its version BEFORE any voucher is
 *    touched (the lock order: that row, then vouchers): an allocator batch decided on the old
 *    vouchers loses its race and is decided again. A draft has no row and sells nothing.
 */
export async function changeVouchers<T>(
  deps: VoucherDeps,
  principal: Principal,
  eventId: string,
  change: (trx: Transaction<Database>, event: VoucherEventRow, at: Date) => Promise<T>,
): Promise<T> {
  const seen = await deps.roles.of(principal);
  const { result, afterCommit } = await deps.db.transaction().execute(async (trx) => {
    const event = await repo.lockEvent(trx, eventId);
    if (!event) throw new AppError('NOT_FOUND', 'Event not found');
    authorize(
      principal,
      'event.manageVouchers',
      asMember({ organizationId: event.organization_id, status: event.status }, seen),
    );
    if (event.status === 'cancelled' || event.status === 'completed') {
      throw new AppError(
        'INVALID_STATE',
        `The vouchers of a ${event.status} event cannot be changed`,
      );
    }
    const opened = await lockInventoryForChange(trx, eventId);
    const result = await change(trx, event, deps.now());
    // Seats a contingent no longer holds back go to the waiting lines first.
    const served = opened ? await deps.inventory.serveWaitlist(trx, eventId) : undefined;
    return { result, afterCommit: served?.afterCommit };
  });
  afterCommit?.();
  return result;
}

/** VALIDATION_FAILED naming `path` (a rule a service checks against stored data). */
export function fieldError(
  path: (string | number)[],
  message: string,
  details?: Record<string, unknown>,
): AppError {
  return new AppError('VALIDATION_FAILED', message, details, [{ code: 'custom', path, message }]);
}

/** The zod issues of a rule check, under `path` (an update's are its patch's fields). */
export function rulesError(error: z.ZodError, path: string[]): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    'The voucher breaks a rule between its fields',
    undefined,
    error.issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] })),
  );
}

/** Every one of `ids` must be a ticket type of the event. */
export async function checkTicketTypes(
  db: Kysely<Database> | Transaction<Database>,
  eventId: string,
  ids: readonly string[],
  path: string[],
): Promise<void> {
  const known = await repo.ticketTypesOf(db, eventId, ids);
  const index = ids.findIndex((id) => !known.has(id));
  if (index >= 0) {
    throw fieldError([...path, index], 'is not a ticket type of this event');
  }
}

/**
 * Contingents never hold back more seats than the event has: `reserved` more seats (the new or
 * changed vouchers') plus what the event's other live contingents hold must fit its capacity.
 */
export async function checkContingent(
  trx: Transaction<Database>,
  event: VoucherEventRow,
  reserved: number,
  exceptId: string | undefined,
  at: Date,
  path: string[],
): Promise<void> {
  if (reserved === 0) return;
  const elsewhere = await repo.reservedSeats(trx, event.id, at, exceptId);
  if (elsewhere + reserved > event.capacity) {
    throw fieldError(
      path,
      `cannot hold back more than the event's ${event.capacity} seats (other vouchers hold ${elsewhere})`,
      { capacity: event.capacity, reservedElsewhere: elsewhere },
    );
  }
}
