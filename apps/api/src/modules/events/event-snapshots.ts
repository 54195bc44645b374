import type { Event } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';
import type { InventoryService } from '../bookings/inventory.service.js';
import { toEventCore, withAvailability } from './events.mappers.js';
import { eventsRepository as repo } from './events.repository.js';

/**
 * An event as `events.get` answers it (availability included), and the organization it belongs
 * to, read inside another module's transaction (the webhooks consumer builds its payloads
 * there, from the rows as they are); undefined when gone.
 */
export function createEventSnapshots(inventory: InventoryService) {
  return {
    async organizationOf(trx: Transaction<Database>, eventId: string) {
      return (await repo.find(trx, eventId))?.organization_id;
    },
    async event(trx: Transaction<Database>, eventId: string): Promise<Event | undefined> {
      const row = await repo.find(trx, eventId);
      if (!row) return undefined;
      const live =
        row.status === 'published' ? await inventory.availability([row.id], trx) : undefined;
      return withAvailability(toEventCore(row), live?.get(row.id));
    },
  };
}
