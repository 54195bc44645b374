import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';
import { type InventoryCounts, inventoryRepository } from './inventory.repository.js';

/**
 * For a module changing what the allocator reads with an event's inventory (its vouchers, say):
 * locks the event's `event_inventory` row and moves its version, as the FIRST statement of the
 * caller's transaction — the lock order is that row, then what it covers. An allocator batch
 * decided on the old state then loses its race and is decided again ("One version for the whole
 * inventory", docs/architecture.md). Undefined for an unpublished event: it has no row, and the
 * allocator sells nothing of it.
 */
export async function lockInventoryForChange(
  trx: Transaction<Database>,
  eventId: string,
): Promise<InventoryCounts | undefined> {
  const counts = await inventoryRepository.lock(trx, eventId);
  if (counts) await inventoryRepository.bumpVersion(trx, eventId);
  return counts;
}
