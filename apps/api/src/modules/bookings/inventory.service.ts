import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { AppError } from '../../errors/app-error.js';
import { inventoryRepository as repo } from './inventory.repository.js';

export interface Availability {
  available: number;
  soldOut: boolean;
}

/**
 * What the bookings module offers other modules about capacity. The events module calls it
 * synchronously inside its own transaction: an event is published together with its inventory
 * row, so there is no moment when a published event cannot be booked.
 */
export interface InventoryService {
  open(trx: Transaction<Database>, eventId: string, capacity: number): Promise<void>;
  /** Throws CAPACITY_BELOW_BOOKED when confirmed + held seats exceed the new capacity. */
  resize(trx: Transaction<Database>, eventId: string, capacity: number): Promise<void>;
  /** Live availability of the events that have an inventory row. */
  availability(eventIds: readonly string[]): Promise<Map<string, Availability>>;
}

export function createInventoryService(deps: { db: Kysely<Database> }): InventoryService {
  return {
    open: (trx, eventId, capacity) => repo.create(trx, eventId, capacity),
    async resize(trx, eventId, capacity) {
      if (!(await repo.setCapacity(trx, eventId, capacity))) {
        const row = await repo.find(trx, eventId);
        throw new AppError(
          'CAPACITY_BELOW_BOOKED',
          'Capacity cannot go below the seats already booked or held',
          {
            booked: row ? row.confirmed + row.held : null,
          },
        );
      }
    },
    async availability(eventIds) {
      const rows = await repo.findMany(deps.db, eventIds);
      return new Map(
        rows.map((r) => {
          const available = r.capacity - r.confirmed - r.held;
          return [r.event_id, { available, soldOut: available <= 0 }];
        }),
      );
    },
  };
}
